using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Traktor.Ecs.Net.Bench.Capacity;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// The replication half of the capacity run without sockets, for quick comparisons of two builds: the scene of
/// <see cref="ClientCapacityBenchmarks"/> (one moving entity per client, about a dozen in view), each snapshot delivered
/// one tick after it was sent (as the transport's packet acks report them); prints the server thread's CPU time per
/// <see cref="ServerReplication.Update"/> plus deliveries as percentiles, and a hash of every snapshot byte sent, which
/// must not change when only the speed of the server changed.
/// <c>replication-ticks [CLIENTS] [MEASURED_TICKS] [WARMUP_TICKS]</c>
/// </summary>
internal static class ReplicationTickReport
{
    public const string Argument = "replication-ticks";

    public static void Print(string[] args)
    {
        int clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
        int measured = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
        // Long enough for tiered compilation to settle at 2,000 clients (the hot methods reach their optimized code only
        // after several seconds; until then a tick costs several times as much). A count, not a time, so that the same
        // arguments always run the same ticks and the hash compares builds.
        int warmup = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 900;
        var registry = ReplicationRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);
        using var world = World.Create();
        var server = new ServerReplication(world, registry, new ServerReplicationOptions
        {
            TickRate = 30,
            Relevancy = new SpatialRelevancy<MapPosition>(p => p.Value, radius: 100f),
        });
        float half = MathF.Sqrt(clients * MathF.PI * 100f * 100f / 12f) / 2f;
        var random = new Random(9);
        var players = new Entity[clients];
        var connections = new ConnectionId[clients];
        for (int i = 0; i < clients; i++)
        {
            connections[i] = new ConnectionId(i + 1, 1);
            server.AddConnection(connections[i]);
            var start = new Vector2((float)((random.NextDouble() * 2) - 1) * half, (float)((random.NextDouble() * 2) - 1) * half);
            players[i] = world.Create(new MapPosition { Value = start }, new NetworkOwner(connections[i]));
        }

        var sink = new Discard();
        var cpu = new TickStatistics(measured);
        for (int frame = 1; !cpu.IsFull; frame++)
        {
            for (int i = 0; i < players.Length; i++)
            {
                float angle = (frame * 0.03f) + i;
                world.Get<MapPosition>(players[i]).Value += new Vector2(MathF.Cos(angle), MathF.Sin(angle));
            }

            double start = ThreadCpuClock.Milliseconds();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            foreach (var connection in connections)
            {
                server.ReceiveDelivery(connection, server.Tick);
            }

            server.Update(sink);
            if (--warmup < 0)
            {
                cpu.Add(ThreadCpuClock.Milliseconds() - start, GC.GetAllocatedBytesForCurrentThread() - allocated);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clients {clients}: CPU ms per tick p50 {cpu.Percentile(50):F2} p90 {cpu.Percentile(90):F2} p99 {cpu.Percentile(99):F2}, B allocated per tick {cpu.MeanAllocated:F0} (snapshots {server.Counters.Snapshots}, records {server.Counters.Records}, bytes {server.Counters.SnapshotBytes}, hash {sink.Hash:x16})"));
    }

    /// <summary>Drops the snapshots after folding them into a hash, which shows two builds sent the same bytes.</summary>
    private sealed class Discard : ISnapshotSink
    {
        public ulong Hash { get; private set; } = 14695981039346656037UL;

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
            ulong hash = Hash ^ (uint)connection.Slot;
            foreach (byte b in snapshot)
            {
                hash = (hash ^ b) * 1099511628211UL;
            }

            Hash = hash;
        }
    }
}
