using System.Numerics;
using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// How many clients one server core sustains at 30 Hz: every client owns one moving entity, players
/// are spread so each sees about a dozen others, and every snapshot is acknowledged at once. A tick
/// must stay under 33.3 ms (one core, 30 Hz) for that many clients to be sustained.
/// </summary>
[MemoryDiagnoser]
public class ClientCapacityBenchmarks
{
    private readonly InstantAcks acks = new();
    private World world = null!;
    private ServerReplication server = null!;
    private Entity[] players = null!;
    private ConnectionId[] connections = null!;
    private readonly DiscardSink sink = new();
    private int frame;

    /// <summary>Connected clients, one moving entity each.</summary>
    [Params(500, 1_000, 2_000)]
    public int Clients { get; set; }

    /// <summary>Builds the world and warms a second of ticks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        world = World.Create();
        server = new ServerReplication(world, registry, new ServerReplicationOptions
        {
            TickRate = 30,
            Relevancy = new SpatialRelevancy<MapPosition>(p => p.Value, radius: 100f),
        });

        // Density: about 12 players within 100 units of each other.
        float half = MathF.Sqrt(Clients * MathF.PI * 100f * 100f / 12f) / 2f;
        var random = new Random(9);
        players = new Entity[Clients];
        connections = new ConnectionId[Clients];
        for (int i = 0; i < Clients; i++)
        {
            connections[i] = new ConnectionId(i + 1, 1);
            server.AddConnection(connections[i]);
            var start = new Vector2((float)((random.NextDouble() * 2) - 1) * half, (float)((random.NextDouble() * 2) - 1) * half);
            players[i] = world.Create(new MapPosition { Value = start }, new NetworkOwner(connections[i]));
        }

        for (int i = 0; i < 60; i++)
        {
            Tick();
        }
    }

    /// <summary>Releases the world.</summary>
    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    /// <summary>One 30 Hz server tick: every player moves, every client gets its snapshot and acknowledges it.</summary>
    [Benchmark]
    public void Tick()
    {
        frame++;
        for (int i = 0; i < players.Length; i++)
        {
            float angle = (frame * 0.03f) + i;
            world.Get<MapPosition>(players[i]).Value += new Vector2(MathF.Cos(angle), MathF.Sin(angle));
        }

        server.Update(sink);
        acks.AcknowledgeAll(server, connections);
    }

    private sealed class DiscardSink : ISnapshotSink
    {
        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
        }
    }
}
