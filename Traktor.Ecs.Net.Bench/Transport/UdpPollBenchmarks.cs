using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// One receive poll of a <see cref="UdpTransport"/> (receives until one returns false) after a plain socket sent it
/// <see cref="Datagrams"/> datagrams over loopback: a client's wake-up with a snapshot or two pending. Compares ending
/// the poll once a short <c>recvmmsg</c> batch is handed out against one more call that finds the socket empty. The
/// sends are part of each operation (the same in both rows).
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*UdpPollBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class UdpPollBenchmarks
{
    private static readonly byte[] Payload = new byte[200];
    private readonly byte[] _buffer = new byte[1200];
    private UdpTransport _transport = null!;
    private Socket _sender = null!;

    /// <summary>Datagrams pending per poll.</summary>
    [Params(1, 3)]
    public int Datagrams { get; set; }

    /// <summary>False: the old poll, one more <c>recvmmsg</c> after a short batch.</summary>
    [Params(false, true)]
    public bool EndAfterShortBatch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)) { EndsPollAfterShortBatch = EndAfterShortBatch };
        _sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sender.Connect(_transport.LocalEndPoint);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _transport.Dispose();
    }

    /// <summary>Sends the datagrams, then polls until all are read.</summary>
    [Benchmark]
    public int SendThenPoll()
    {
        for (int i = 0; i < Datagrams; i++) _sender.Send(Payload);
        int received = 0;
        while (received < Datagrams)
        {
            while (_transport.TryReceive(_buffer, out _, out _)) received++;
        }
        return received;
    }
}
