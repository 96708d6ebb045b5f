using System.Numerics;
using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>A moving thing on a 2D map, replicated with 1 cm precision.</summary>
[Replicated(Smoothing = Smoothing.Interpolate)]
public struct MapPosition
{
    [Range(-4096, 4096)]
    [Quantize(0.01f)]
    public Vector2 Value;
}

/// <summary>
/// Server cost of one replication tick: every entity moves every tick, each client has a viewer
/// entity and sees what is within the relevancy radius, and acknowledges every snapshot at once
/// (the steady state of a healthy link). Measures time and bytes allocated per tick.
/// </summary>
[MemoryDiagnoser]
public class ServerTickBenchmarks
{
    private readonly InstantAcks acks = new();
    private World world = null!;
    private ServerReplication server = null!;
    private Entity[] movers = null!;
    private ConnectionId[] connections = null!;
    private NullSink sink = null!;
    private int frame;

    /// <summary>Replicated entities, all moving.</summary>
    [Params(1_000, 10_000)]
    public int Entities { get; set; }

    /// <summary>Connected clients.</summary>
    [Params(10, 100)]
    public int Clients { get; set; }

    /// <summary>Builds the world and runs a second of ticks so histories and baselines are warm.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        world = World.Create();
        server = new ServerReplication(world, registry, new ServerReplicationOptions
        {
            Relevancy = new SpatialRelevancy<MapPosition>(p => p.Value, radius: 150f),
            BytesPerSecond = 256 * 1024,
        });
        var random = new Random(5);
        movers = new Entity[Entities];
        for (int i = 0; i < movers.Length; i++)
        {
            movers[i] = world.Create(new MapPosition { Value = new Vector2(random.Next(-2000, 2000), random.Next(-2000, 2000)) });
        }

        connections = new ConnectionId[Clients];
        for (int c = 0; c < connections.Length; c++)
        {
            connections[c] = new ConnectionId(c + 1, 1);
            server.AddConnection(connections[c]);
            world.Add(movers[c * (Entities / Clients)], new NetworkOwner(connections[c]));
        }

        sink = new NullSink();
        for (int i = 0; i < 120; i++)
        {
            Tick();
        }
    }

    /// <summary>Releases the world.</summary>
    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    /// <summary>One server tick: move everything, replicate to every client, take their acks.</summary>
    [Benchmark]
    public void Tick()
    {
        frame++;
        var step = new Vector2(MathF.Sin(frame * 0.05f), MathF.Cos(frame * 0.05f));
        foreach (var entity in movers)
        {
            world.Get<MapPosition>(entity).Value += step;
        }

        server.Update(sink);
        acks.AcknowledgeAll(server, connections);
    }

    private sealed class NullSink : ISnapshotSink
    {
        public long Bytes { get; private set; }

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => Bytes += snapshot.Length;
    }
}
