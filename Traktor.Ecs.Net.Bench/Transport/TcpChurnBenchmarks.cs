using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// Connection churn on a listening <see cref="TcpTransport"/> over real loopback sockets: one operation is a plain
/// client socket connecting, the server's polls until it has accepted (or refused) it, and, for an accepted one, the
/// client's reset and the server's polls until the stream is gone. Refused: the address is at its
/// <see cref="StreamTransportOptions.MaxConnectionsPerAddress"/> (one stream, held open by the setup), the cost a
/// flood of connections beyond the limits puts on the game loop. The client's connect and close are part of each
/// operation (the same before and after a change). Clients close with a reset (linger 0), so no TIME_WAIT piles up.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*TcpChurnBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class TcpChurnBenchmarks
{
    private readonly byte[] _buffer = new byte[2048];
    private TcpTransport _server = null!;
    private Socket? _held;

    /// <summary>False: every connection is accepted; true: every one is refused by the per-address limit.</summary>
    [Params(false, true)]
    public bool Refused { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The rate limit would refuse most of a loopback churn: out of the way, so the row measures what it names.
        _server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions
        {
            MaxConnectionsPerAddress = Refused ? 1 : 8,
            ConnectionRatePerSecond = 1e9,
            ConnectionBurst = 1e9,
        });
        if (!Refused) return;
        _held = Connect();
        while (_server.Counters.Accepted == 0) _server.TryReceive(_buffer, out _, out _);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _held?.Dispose();
        _server.Dispose();
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
        socket.Connect(_server.LocalEndPoint!);
        return socket;
    }

    /// <summary>Connects one client and polls the server until it is accepted and gone again, or refused.</summary>
    [Benchmark]
    public long ConnectAndClose()
    {
        var counters = _server.Counters;
        long handled = counters.Accepted + counters.Refused + 1;
        using (Connect())
        {
            while (counters.Accepted + counters.Refused < handled) _server.TryReceive(_buffer, out _, out _);
        }
        if (!Refused)
        {
            while (_server.StreamCount > 0) _server.TryReceive(_buffer, out _, out _);
        }
        return handled;
    }
}
