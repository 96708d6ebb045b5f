using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// Ticks of 16 ms with many idle connections whose clients answer (each a <see cref="NetClient"/> updated every tick, so
/// it acknowledges the server's keep-alives), with the connections' keep-alives bunched (every connection made in the
/// same tick, no first-keep-alive lead: all of them due in one tick of seven) or spread (the lead of
/// docs/PROTOCOL.md §8). One operation is a whole keep-alive interval, 7 ticks, so both rows do the same work: the
/// clients' updates and the server's receive, event polling and flush; the packets each way are the same in both rows
/// (<see cref="IdleConnectionReport"/> counts them), so the difference between the rows is where the work falls. The
/// clients' updates are most of an operation (2,000 of them a tick) and dilute the server's difference: the server's share
/// alone, thread CPU between the clients' updates, is <see cref="IdleConnectionReport"/>'s (docs/benchmarks.md).
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*IdleAnsweringTickBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class IdleAnsweringTickBenchmarks
{
    private const int TicksPerInterval = 7; // 100 ms keep-alives at 16 ms ticks: due every seventh tick
    private readonly ManualClock _clock = new();
    private InMemoryNetwork _network = null!;
    private NetServer _server = null!;
    private readonly List<NetClient> _clients = [];
    private readonly List<IDatagramTransport> _transports = [];

    /// <summary>Idle connections, every one answering.</summary>
    [Params(2_000)]
    public int Idle { get; set; }

    /// <summary>True: each connection's first keep-alive takes its lead (spread); false: none does (bunched).</summary>
    [Params(false, true)]
    public bool Spread { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network = new InMemoryNetwork { ReceiveQueueCapacity = 4 * Idle };
        var serverSocket = _network.CreateTransport();
        _transports.Add(serverSocket);
        _server = new NetServer(serverSocket, new NetServerOptions
        {
            ProtocolId = 0x1D1E, Insecure = true, MaxClients = Idle, Timeout = TimeSpan.FromDays(1), SpreadKeepAlives = Spread,
            MaxConnectionsPerAddress = Idle, MaxConnectionsPerSubnet = Idle, HandshakeRatePerSecond = 1e9, HandshakeBurst = 1e9,
        }, _clock);
        for (int i = 0; i < Idle; i++)
        {
            var socket = _network.CreateTransport();
            _transports.Add(socket);
            var client = new NetClient(socket, new NetClientOptions
            {
                ProtocolId = 0x1D1E, Insecure = true, Timeout = TimeSpan.FromDays(1), SpreadKeepAlives = Spread,
            }, _clock);
            client.ConnectInsecure(serverSocket.LocalAddress, (ulong)i + 1);
            _clients.Add(client);
        }
        for (int tick = 0; tick < 200 && _server.ConnectionCount < Idle; tick++) Tick();
        if (_server.ConnectionCount != Idle) throw new InvalidOperationException($"{_server.ConnectionCount} of {Idle} connected.");
        for (int i = 0; i < 300; i++) Tick(); // past the connect's acks and the event queue's shrink, the pools warm
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        foreach (var client in _clients) client.Dispose();
        foreach (var socket in _transports) socket.Dispose();
    }

    /// <summary>One keep-alive interval: 7 ticks of the clients' updates and the server's.</summary>
    [Benchmark]
    public void Interval()
    {
        for (int tick = 0; tick < TicksPerInterval; tick++) Tick();
    }

    private void Tick()
    {
        _clock.Advance(0.016);
        foreach (var client in _clients)
        {
            client.Update();
            while (client.TryPollEvent(out _)) { }
        }
        _server.Update();
        while (_server.TryPollEvent(out _)) { }
    }

    /// <summary>A clock the benchmark advances by hand, so every run sees the same ticks.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(double seconds) => _ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }
}
