using System.Numerics;
using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// The check a session's end runs every tick of its end delivery (at most 750 ms by default) for every player still
/// owed the final world: whether the player holds the world as it was at the end tick
/// (<see cref="ServerReplication.HoldsWorldOf"/>, one read of every tracked entity). Measured in its worst case: every
/// client already holds all it sees, so no check stops early. Without interest every client sees every entity; with it,
/// each sees what is within 150 units of its own entity on a 4,000 × 4,000 map. Time and bytes allocated per tick (all
/// clients checked once).
/// </summary>
[MemoryDiagnoser]
public class EndScreenCheckBenchmarks
{
    private readonly InstantAcks acks = new();
    private World world = null!;
    private ServerReplication server = null!;
    private ConnectionId[] connections = null!;
    private uint endTick;

    /// <summary>Replicated entities (without interest, all seen by every client).</summary>
    [Params(1_000, 10_000)]
    public int Entities { get; set; }

    /// <summary>Connected clients owed the final world.</summary>
    [Params(10, 100)]
    public int Clients { get; set; }

    /// <summary>Whether clients see only what is near their own entity (else everything).</summary>
    [Params(false, true)]
    public bool Interest { get; set; }

    /// <summary>Builds the world and replicates it until every client holds all it sees.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        world = World.Create();
        server = new ServerReplication(world, registry, new ServerReplicationOptions
        {
            Relevancy = Interest ? new SpatialRelevancy<MapPosition>(p => p.Value, radius: 150f) : null,
            BytesPerSecond = 1024 * 1024,
        });
        var random = new Random(5);
        var entities = new Entity[Entities];
        for (int i = 0; i < entities.Length; i++)
        {
            entities[i] = world.Create(new MapPosition { Value = new Vector2(random.Next(-2000, 2000), random.Next(-2000, 2000)) });
        }

        connections = new ConnectionId[Clients];
        for (int c = 0; c < connections.Length; c++)
        {
            connections[c] = new ConnectionId(c + 1, 1);
            server.AddConnection(connections[c]);
            world.Add(entities[c * (Entities / Clients)], new NetworkOwner(connections[c]));
        }

        var sink = new NullSink();
        server.Update(sink);
        endTick = server.Tick;
        for (int i = 0; i < 100_000 && !EveryoneHolds(); i++)
        {
            server.Update(sink);
            acks.AcknowledgeAll(server, connections);
        }

        if (!EveryoneHolds())
        {
            throw new InvalidOperationException("the clients never came to hold the whole world; the benchmark would measure early exits");
        }
    }

    /// <summary>Releases the world.</summary>
    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    /// <summary>One tick of an end delivery: every client checked once.</summary>
    /// <returns>How many clients hold the final world (all of them).</returns>
    [Benchmark]
    public int CheckEveryClient()
    {
        int holding = 0;
        foreach (var connection in connections)
        {
            if (server.HoldsWorldOf(connection, endTick))
            {
                holding++;
            }
        }

        return holding;
    }

    private bool EveryoneHolds() => CheckEveryClient() == connections.Length;

    private sealed class NullSink : ISnapshotSink
    {
        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
        }
    }
}
