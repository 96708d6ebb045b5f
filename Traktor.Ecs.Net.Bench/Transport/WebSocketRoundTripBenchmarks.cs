using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// The steady state <c>WebSocketTransportTests.Steady_state_round_trips_allocate_almost_nothing_on_any_thread</c> bounds,
/// in a Release build: 100-byte datagrams client → server → client over the WebSocket transports alone (no protocol, no
/// encryption), both ends polled on the benchmark's thread, after the same warm-up and peer confirmation as the test.
/// MemoryDiagnoser's Allocated counts every thread (<c>GC.GetTotalAllocatedBytes</c>), so the sockets' continuations on
/// .NET's and Kestrel's threads are in it, as they are in the test's figure.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*WebSocketRoundTripBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class WebSocketRoundTripBenchmarks
{
    private const int RoundTrips = 1000;
    private readonly byte[] _payload = new byte[100];
    private readonly byte[] _buffer = new byte[1200];
    private WebSocketServerTransport _server = null!;
    private WebSocketClientTransport _client = null!;
    private NetAddress _serverAddress;
    private NetAddress _clientAddress;

    [GlobalSetup]
    public void Setup()
    {
        _server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        _client = WebSocketClientTransport.CreateClient();
        _serverAddress = NetAddress.FromEndPoint(_server.LocalEndPoint, TransportKind.WebSocket);
        Run(500);
        // What NetServer and NetClient do once their handshake completes; without it the server closes the connection at
        // its handshake deadline and the client opens a new one (allocating) in the middle of a measurement.
        _server.OnPeerConnected(_clientAddress);
        _client.OnPeerConnected(_serverAddress);
        Run(100);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
    }

    /// <summary>One operation: one round trip of a 100-byte datagram.</summary>
    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public void RoundTrip() => Run(RoundTrips);

    private void Run(int count)
    {
        for (int i = 0; i < count; i++)
        {
            _clientAddress = Deliver(_client, _serverAddress, _server, pumpSender: true);
            Deliver(_server, _clientAddress, _client, pumpSender: false);
        }
    }

    /// <summary>Sends until the receiver has the datagram (repeated after a second of silence: a stream may drop one while it connects).</summary>
    private NetAddress Deliver(IDatagramTransport sender, in NetAddress destination, IDatagramTransport receiver, bool pumpSender)
    {
        long start = Stopwatch.GetTimestamp(), sentAt = start;
        sender.TrySend(_payload, destination);
        while (true)
        {
            if (receiver.TryReceive(_buffer, out _, out var source))
            {
                while (receiver.TryReceive(_buffer, out _, out _)) { }
                return source;
            }
            if (pumpSender) sender.TryReceive(_buffer, out _, out _); // a stream client's receive pass runs its connection upkeep
            if (Stopwatch.GetElapsedTime(sentAt) > TimeSpan.FromSeconds(1))
            {
                sender.TrySend(_payload, destination);
                sentAt = Stopwatch.GetTimestamp();
            }
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException("No datagram arrived for a minute.");
            }
        }
    }
}
