using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Bench.Replication;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// The server process of the capacity run: a secure UDP server on 127.0.0.1 ticking at 30 Hz, one moving entity
/// per connected client, interest on (about a dozen players in view). It prints its port, waits for the expected
/// clients, warms up, then times every tick (receive, move, replicate, send) and prints one result line.
/// </summary>
internal static class CapacityServer
{
    public const string Argument = "capacity-server";
    public const string KeyVariable = "TRAKTOR_CAPACITY_KEY";
    public const int TickRate = 30;
    public const float ViewRadius = 100f;
    public const double BudgetMilliseconds = 1000.0 / TickRate;

    /// <summary>
    /// capacity-server CLIENTS WARMUP_TICKS MEASURED_TICKS [--allocations] [--no-batch] [--no-send-batch] [--huge-pages]
    /// [--ticks FILE]; the key comes hex-encoded in <see cref="KeyVariable"/>.
    /// </summary>
    public static int Run(string[] args)
    {
        int clients = int.Parse(args[1], CultureInfo.InvariantCulture);
        int warmupTicks = int.Parse(args[2], CultureInfo.InvariantCulture);
        int measuredTicks = int.Parse(args[3], CultureInfo.InvariantCulture);
        using var sampler = args.Contains("--allocations") ? new AllocationSampler() : null;
        if (args.Contains("--no-batch")) AppContext.SetSwitch(UdpTransport.DisableReceiveBatchSwitch, true);
        if (args.Contains("--no-send-batch")) AppContext.SetSwitch(UdpTransport.DisableSendBatchSwitch, true);
        bool hugePages = args.Contains("--huge-pages");
        int ticksAt = Array.IndexOf(args, "--ticks");
        string? tickFile = ticksAt > 0 && ticksAt + 1 < args.Length ? args[ticksAt + 1] : null;
        if (hugePages)
        {
            Console.Error.WriteLine($"# huge pages advised on {HugePages.AdviseAnonymousMappings() >> 20} MiB of anonymous mappings");
        }

        byte[] key = Convert.FromHexString(Environment.GetEnvironmentVariable(KeyVariable) ?? throw new InvalidOperationException(KeyVariable + " is not set."));

        var socket = new CountingTransport(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        var transport = new NetServer(socket, new NetServerOptions
        {
            ProtocolId = CapacityRun.ProtocolId,
            PrivateKey = key,
            PublicAddresses = [socket.LocalAddress],
            MaxClients = clients,
            // Every load-generator client comes from 127.0.0.1.
            MaxConnectionsPerAddress = clients,
            MaxConnectionsPerSubnet = clients,
            HandshakeRatePerSecond = 10 * clients,
            HandshakeBurst = clients,
            MaxDatagramsPerUpdate = Math.Max(4096, 8 * clients),
        });
        var registry = ReplicationRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);
        using var world = World.Create();
        var network = new NetworkServer(world, transport, registry, new ServerReplicationOptions
        {
            TickRate = TickRate,
            Relevancy = new SpatialRelevancy<MapPosition>(p => p.Value, ViewRadius),
        });

        // Density: about 12 players within the view radius of each other, as in ClientCapacityBenchmarks.
        float half = MathF.Sqrt(clients * MathF.PI * ViewRadius * ViewRadius / 12f) / 2f;
        var random = new Random(9);
        var players = new List<Entity>(clients);
        var playerOf = new Dictionary<ConnectionId, Entity>(clients);
        network.ClientConnected += (connection, _) =>
        {
            var start = new Vector2((float)((random.NextDouble() * 2) - 1) * half, (float)((random.NextDouble() * 2) - 1) * half);
            var player = world.Create(new MapPosition { Value = start }, new NetworkOwner(connection));
            players.Add(player);
            playerOf.Add(connection, player);
        };
        network.ClientDisconnected += (connection, _) =>
        {
            if (playerOf.Remove(connection, out var player))
            {
                players.Remove(player);
                world.Destroy(player);
            }
        };

        Console.WriteLine($"port {socket.LocalAddress.ToEndPoint().Port}");
        Console.Out.Flush();

        var statistics = new TickStatistics(measuredTicks);
        var cpu = new TickStatistics(measuredTicks); // the server thread's CPU time per tick
        // Wall time of each phase per tick, for their p99s: which phase makes the slow ticks slow.
        var receivePhase = new TickStatistics(measuredTicks);
        var replicatePhase = new TickStatistics(measuredTicks);
        var sendPhase = new TickStatistics(measuredTicks);
        long period = Stopwatch.Frequency / TickRate;
        long next = Stopwatch.GetTimestamp();
        long connectDeadline = next + (120 * Stopwatch.Frequency);
        int frame = 0;
        int warmup = -1; // ticks left to warm up once everyone is connected
        long measureStart = 0, sent0 = 0, sentBytes0 = 0, received0 = 0, receivedBytes0 = 0, snapshots0 = 0;
        long receiveAllocations = 0, replicateAllocations = 0, atSending = 0;
        long sendingAt = 0, receiveTicks = 0, replicateTicks = 0, flushTicks = 0, moveTicks = 0;
        network.Sending += () =>
        {
            atSending = GC.GetAllocatedBytesForCurrentThread();
            sendingAt = Stopwatch.GetTimestamp();
        };
        int collections0 = 0, disconnects0 = 0, disconnects = 0;
        network.ClientDisconnected += (_, _) => disconnects++;
        while (!statistics.IsFull)
        {
            long start = Stopwatch.GetTimestamp();
            double cpuStart = ThreadCpuClock.Milliseconds();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            float dt = 1f / TickRate;
            network.BeforeUpdate(dt);
            long receivedAllocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            long received = Stopwatch.GetTimestamp();
            long beforeReplicate = GC.GetAllocatedBytesForCurrentThread();
            frame++;
            for (int i = 0; i < players.Count; i++)
            {
                float angle = (frame * 0.03f) + i;
                world.Get<MapPosition>(players[i]).Value += new Vector2(MathF.Cos(angle), MathF.Sin(angle));
            }

            long moved = Stopwatch.GetTimestamp();
            network.AfterUpdate(dt);
            long end = Stopwatch.GetTimestamp();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

            if (measureStart != 0)
            {
                statistics.Add((end - start) * 1000.0 / Stopwatch.Frequency, allocated);
                cpu.Add(ThreadCpuClock.Milliseconds() - cpuStart, 0);
                receiveAllocations += receivedAllocated;
                replicateAllocations += atSending - beforeReplicate;
                receiveTicks += received - start;
                moveTicks += moved - received;
                replicateTicks += sendingAt - moved;
                flushTicks += end - sendingAt;
                receivePhase.Add(Milliseconds(received - start), 0);
                replicatePhase.Add(Milliseconds(sendingAt - moved), 0);
                sendPhase.Add(Milliseconds(end - sendingAt), 0);
            }
            else if (warmup > 0 && --warmup == 0)
            {
                measureStart = end;
                (sent0, sentBytes0, received0, receivedBytes0) = (socket.DatagramsSent, socket.BytesSent, socket.DatagramsReceived, socket.BytesReceived);
                snapshots0 = network.Replication.Counters.Snapshots;
                collections0 = GC.CollectionCount(0);
                disconnects0 = disconnects;
                sampler?.Start();
                Console.WriteLine("measuring");
                Console.Out.Flush();
            }
            else if (warmup < 0 && network.Connections.Count == clients)
            {
                warmup = warmupTicks;
                if (hugePages)
                {
                    long collapseStart = Stopwatch.GetTimestamp();
                    long collapsed = HugePages.CollapseAnonymousMappings();
                    Console.Error.WriteLine($"# MADV_COLLAPSE on {collapsed >> 20} MiB in {Stopwatch.GetElapsedTime(collapseStart).TotalMilliseconds:F0} ms");
                }
            }
            else if (warmup < 0 && end > connectDeadline)
            {
                Console.WriteLine($"error only {network.Connections.Count} of {clients} clients connected in 120 s");
                return 1;
            }

            next += period;
            long now = Stopwatch.GetTimestamp();
            if (now >= next)
            {
                next = now; // a late tick starts the next at once; the schedule does not try to catch up
                continue;
            }

            while (next - Stopwatch.GetTimestamp() > Stopwatch.Frequency / 500) Thread.Sleep(1);
            while (Stopwatch.GetTimestamp() < next) Thread.SpinWait(20);
        }

        double seconds = (Stopwatch.GetTimestamp() - measureStart) / (double)Stopwatch.Frequency;
        double perClientSecond = clients * seconds;
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c,
            $"result clients={clients} ticks={statistics.Count} p50={statistics.Percentile(50):F2} p99={statistics.Percentile(99):F2} " +
            $"max={statistics.Max:F2} cpuP50={cpu.Percentile(50):F2} cpuP99={cpu.Percentile(99):F2} late={statistics.CountOver(BudgetMilliseconds)} allocMean={statistics.MeanAllocated:F0} " +
            $"allocReceive={receiveAllocations / statistics.Count} allocReplicate={replicateAllocations / statistics.Count} allocMax={statistics.MaxAllocated} allocTicks={statistics.TicksThatAllocated} gen0={GC.CollectionCount(0) - collections0} " +
            $"sentPps={(socket.DatagramsSent - sent0) / perClientSecond:F1} sentBps={(socket.BytesSent - sentBytes0) / perClientSecond:F0} " +
            $"recvPps={(socket.DatagramsReceived - received0) / perClientSecond:F1} recvBps={(socket.BytesReceived - receivedBytes0) / perClientSecond:F0} " +
            $"snapshots={network.Replication.Counters.Snapshots - snapshots0} connected={network.Connections.Count} disconnects={disconnects - disconnects0} seconds={seconds:F2} " +
            $"receiveMs={Mean(receiveTicks):F2} moveMs={Mean(moveTicks):F2} replicateMs={Mean(replicateTicks):F2} flushMs={Mean(flushTicks):F2} " +
            $"receiveP99={receivePhase.Percentile(99):F2} replicateP99={replicatePhase.Percentile(99):F2} flushP99={sendPhase.Percentile(99):F2}"));
        if (tickFile is not null)
        {
            // Every measured tick in order: wall, CPU and the phases' wall times (ms), to see what makes the slow ticks slow.
            using var writer = new StreamWriter(tickFile);
            writer.WriteLine("# tick, then ms: wall, server thread CPU, receive, replicate, seal and send (wall)");
            for (int i = 0; i < statistics.Count; i++)
                writer.WriteLine(string.Create(c, $"{i} {statistics[i]:F2} {cpu[i]:F2} {receivePhase[i]:F2} {replicatePhase[i]:F2} {sendPhase[i]:F2}"));
        }

        if (sampler is not null)
        {
            foreach (var (type, count) in sampler.Top(12)) Console.WriteLine($"allocations {count} {type}");
        }

        Console.Out.Flush();
        transport.Dispose();
        double Mean(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / statistics.Count;
        static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return 0;
    }
}
