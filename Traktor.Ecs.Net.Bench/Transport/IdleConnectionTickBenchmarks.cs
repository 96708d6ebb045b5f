using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// One server tick (receive, then flush) with many idle connections and a few active ones, on the in-memory network and
/// a clock advanced 16 ms a tick. Idle: connected, then silent (their clients' sockets gone, the timeout a day), so the
/// server only keeps them alive every 100 ms. Active: each sends the server a message every tick and gets one back; their
/// clients' updates are inside the operation, the same in both rows. <see cref="VisitEveryConnection"/> true is the server
/// as before its schedule: every connection checked and flushed every tick. Idle clients that answer, as real ones do:
/// <see cref="IdleConnectionReport"/>.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*IdleConnectionTickBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class IdleConnectionTickBenchmarks
{
    private const int Active = 8;
    private readonly ManualClock _clock = new();
    private readonly byte[] _message = new byte[32];
    private InMemoryNetwork _network = null!;
    private NetServer _server = null!;
    private readonly List<NetClient> _active = [];
    private readonly List<IDatagramTransport> _transports = [];

    /// <summary>Idle connections besides the active ones.</summary>
    [Params(2_000)]
    public int Idle { get; set; }

    /// <summary>True: the server visits every connection every tick (before); false: only those with something due.</summary>
    [Params(true, false)]
    public bool VisitEveryConnection { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network = new InMemoryNetwork();
        var serverSocket = _network.CreateTransport();
        _transports.Add(serverSocket);
        int clients = Idle + Active;
        _server = new NetServer(serverSocket, new NetServerOptions
        {
            ProtocolId = 0x1D1E, Insecure = true, MaxClients = clients, Timeout = TimeSpan.FromDays(1),
            MaxConnectionsPerAddress = clients, MaxConnectionsPerSubnet = clients, HandshakeRatePerSecond = 1e9, HandshakeBurst = 1e9,
        }, _clock);
        var idle = new List<(NetClient, IDatagramTransport)>();
        for (int i = 0; i < clients; i++)
        {
            var socket = _network.CreateTransport();
            _transports.Add(socket);
            var client = new NetClient(socket, new NetClientOptions { ProtocolId = 0x1D1E, Insecure = true, Timeout = TimeSpan.FromDays(1) }, _clock);
            client.ConnectInsecure(serverSocket.LocalAddress, (ulong)i + 1);
            if (i < Active) _active.Add(client);
            else idle.Add((client, socket));
        }
        for (int tick = 0; tick < 200 && _server.ConnectionCount < clients; tick++)
        {
            _clock.Advance(0.016);
            foreach (var (client, _) in idle) client.Update();
            foreach (var client in _active) client.Update();
            _server.Update();
            while (_server.TryPollEvent(out _)) { }
        }
        if (_server.ConnectionCount != clients) throw new InvalidOperationException($"{_server.ConnectionCount} of {clients} connected.");
        foreach (var (_, socket) in idle) socket.Dispose(); // silent from here on: the server's keep-alives go nowhere
        _server.VisitEveryConnection = VisitEveryConnection;
        for (int i = 0; i < 100; i++) Tick(); // past the idle clients' last packets and acks, the pools warm
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        foreach (var client in _active) client.Dispose();
        foreach (var socket in _transports) socket.Dispose();
    }

    /// <summary>One 16 ms tick: the active clients send and update, the server receives, answers them and flushes.</summary>
    [Benchmark]
    public int Tick()
    {
        _clock.Advance(0.016);
        foreach (var client in _active)
        {
            client.Send(ChannelKind.Unreliable, _message);
            client.Update();
            while (client.TryPollEvent(out _)) { }
        }
        _server.Receive();
        int messages = 0;
        while (_server.TryPollEvent(out var e))
        {
            if (e.Type != NetEventType.Message) continue;
            _server.Send(e.Connection, ChannelKind.Unreliable, e.Data.Span);
            messages++;
        }
        _server.Flush();
        return messages;
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
