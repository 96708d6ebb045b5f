using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Traktor.Ecs.Net.Bench.Capacity;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// The server's share of a 16 ms tick with many idle connections whose clients answer as real ones do: each idle client
/// is a <see cref="NetClient"/> updated every tick, so it acknowledges the server's keep-alives and sends its own, where
/// <see cref="IdleConnectionTickBenchmarks"/>'s idle clients are gone and never answer. Only the server's receive, event
/// polling and flush are timed (wall and thread CPU); the clients' updates run between them, untimed. The server's socket
/// counts the packets each way, so packets per idle connection per second are measured, not estimated. Both kinds of idle
/// client run in one invocation, silent first, on the in-memory network and a clock advanced by hand. The answering rows
/// come with the keep-alives bunched (no first-keep-alive lead, the internal <see cref="NetPeerOptions.SpreadKeepAlives"/>
/// off: all due in one tick of seven) and spread (docs/PROTOCOL.md §8), each with the idle clients updated in the order
/// they were made (their acks arrive in the order of the server's connections in memory) and shuffled (in no such order).
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- idle-report [idle connections] [ticks] [one row's name]
/// </summary>
internal static class IdleConnectionReport
{
    public const string Argument = "idle-report";
    private const int Active = 8;
    private const double TickSeconds = 0.016;

    public static int Run(string[] args)
    {
        int idle = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        int ticks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3_000;
        Console.WriteLine($"{idle} idle + {Active} active connections, {ticks} ticks of 16 ms after a warm-up of 200");
        Console.WriteLine("idle clients | server wall µs a tick (mean, p50, p99) | server CPU µs a tick (mean) | server B allocated a tick | s→c packets/s per idle connection | c→s packets/s per idle connection");
        foreach (var (answer, spread, shuffled) in new[] { (false, true, false), (true, false, false), (true, false, true), (true, true, false), (true, true, true) })
        {
            string name = (answer ? "answering" : "silent") + (spread ? "" : "-bunched") + (shuffled ? "-shuffled" : "");
            if (args.Length > 3 && args[3] != name) continue; // one row only (for a profiler)
            using var rig = new Rig(idle, answer, spread, shuffled);
            rig.Measure(200);
            var result = rig.Measure(ticks);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-26} | {result.WallMean:F1}, {result.WallP50:F1}, {result.WallP99:F1} | {result.CpuMean:F1} | {result.Allocated:F1} | {result.ServerToIdle:F2} | {result.IdleToServer:F2}"));
        }
        return 0;
    }

    private readonly record struct Result(double WallMean, double WallP50, double WallP99, double CpuMean, double Allocated, double ServerToIdle, double IdleToServer);

    /// <summary>A server, its active clients and its idle ones on one in-memory network.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly ManualClock _clock = new();
        private readonly byte[] _message = new byte[32];
        private readonly NetServer _server;
        private readonly IdleCountingTransport _serverSocket;
        private readonly List<NetClient> _active = [];
        private readonly List<NetClient> _idle = [];
        private readonly List<IDatagramTransport> _transports = [];
        private readonly bool _answer;
        private readonly int _idleCount;

        public Rig(int idle, bool answer, bool spread, bool shuffled)
        {
            _answer = answer;
            _idleCount = idle;
            var network = new InMemoryNetwork { ReceiveQueueCapacity = 4 * (idle + Active) };
            var inner = network.CreateTransport();
            _transports.Add(inner);
            _serverSocket = new IdleCountingTransport(inner);
            int clients = idle + Active;
            _server = new NetServer(_serverSocket, new NetServerOptions
            {
                ProtocolId = 0x1D1E, Insecure = true, MaxClients = clients, Timeout = TimeSpan.FromDays(1),
                MaxConnectionsPerAddress = clients, MaxConnectionsPerSubnet = clients, HandshakeRatePerSecond = 1e9, HandshakeBurst = 1e9,
                SpreadKeepAlives = spread,
            }, _clock);
            var idleSockets = new List<IDatagramTransport>();
            for (int i = 0; i < clients; i++)
            {
                var socket = network.CreateTransport();
                _transports.Add(socket);
                var client = new NetClient(socket, new NetClientOptions { ProtocolId = 0x1D1E, Insecure = true, Timeout = TimeSpan.FromDays(1), SpreadKeepAlives = spread }, _clock);
                client.ConnectInsecure(inner.LocalAddress, (ulong)i + 1);
                if (i < Active)
                {
                    _active.Add(client);
                    _serverSocket.Active.Add(socket.LocalAddress);
                }
                else
                {
                    _idle.Add(client);
                    idleSockets.Add(socket);
                }
            }
            for (int tick = 0; tick < 200 && _server.ConnectionCount < clients; tick++)
            {
                _clock.Advance(TickSeconds);
                foreach (var client in _idle) client.Update();
                foreach (var client in _active) client.Update();
                _server.Update();
                while (_server.TryPollEvent(out _)) { }
            }
            if (_server.ConnectionCount != clients) throw new InvalidOperationException($"{_server.ConnectionCount} of {clients} connected.");
            // The clients were made, and connected, in the order of the server's slots and of its connections' memory: updated
            // in that order, their acks arrive in it. Shuffled, they arrive in no relation to it, as from a real network.
            if (shuffled) new Random(7).Shuffle(CollectionsMarshal.AsSpan(_idle));
            if (!answer)
            {
                foreach (var socket in idleSockets) socket.Dispose(); // silent from here on: the server's keep-alives go nowhere
            }
        }

        public Result Measure(int ticks)
        {
            var wall = new double[ticks];
            double cpu = 0;
            long allocated = 0;
            long sent = _serverSocket.SentToIdle, received = _serverSocket.ReceivedFromIdle;
            for (int tick = 0; tick < ticks; tick++)
            {
                _clock.Advance(TickSeconds);
                foreach (var client in _active)
                {
                    client.Send(ChannelKind.Unreliable, _message);
                    client.Update();
                    while (client.TryPollEvent(out _)) { }
                }
                if (_answer)
                {
                    foreach (var client in _idle)
                    {
                        client.Update();
                        while (client.TryPollEvent(out _)) { }
                    }
                }
                long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
                double cpuBefore = ThreadCpuClock.Milliseconds();
                long started = Stopwatch.GetTimestamp();
                ServerTick();
                wall[tick] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                cpu += ThreadCpuClock.Milliseconds() - cpuBefore;
                allocated += GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
            }
            double seconds = ticks * TickSeconds;
            Array.Sort(wall);
            return new Result(
                wall.Average(), wall[ticks / 2], wall[(int)(ticks * 0.99)], cpu * 1000 / ticks, (double)allocated / ticks,
                (_serverSocket.SentToIdle - sent) / seconds / _idleCount,
                (_serverSocket.ReceivedFromIdle - received) / seconds / _idleCount);
        }

        /// <summary>The server's part of a tick: receive, answer the active clients' messages, flush.</summary>
        private void ServerTick()
        {
            _server.Receive();
            while (_server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Message) _server.Send(e.Connection, ChannelKind.Unreliable, e.Data.Span);
            }
            _server.Flush();
        }

        public void Dispose()
        {
            _server.Dispose();
            foreach (var client in _active) client.Dispose();
            if (_answer)
            {
                foreach (var client in _idle) client.Dispose(); // the silent ones' sockets are gone already
            }
            foreach (var socket in _transports) socket.Dispose();
        }
    }

    /// <summary>The server's socket, counting the datagrams to and from the idle clients (every address but the active ones).</summary>
    private sealed class IdleCountingTransport(IDatagramTransport inner) : IDatagramTransport
    {
        public HashSet<NetAddress> Active { get; } = [];

        public long SentToIdle { get; private set; }

        public long ReceivedFromIdle { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (!Active.Contains(destination)) SentToIdle++;
            return inner.TrySend(datagram, destination);
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            if (!inner.TryReceive(buffer, out length, out source)) return false;
            if (!Active.Contains(source)) ReceivedFromIdle++;
            return true;
        }

        public void BeginSendBatch() => inner.BeginSendBatch();

        public void FlushSends() => inner.FlushSends();

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A clock the report advances by hand, so every run sees the same ticks.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(double seconds) => _ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }
}
