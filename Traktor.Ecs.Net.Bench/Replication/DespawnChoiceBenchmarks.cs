using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// The server's choice of the despawns one snapshot carries to a client behind on them (docs/SECURITY.md, the despawn
/// backlog): the oldest due ids, sorted, as many as half (here, with no entity waiting, nine tenths of) the snapshot's
/// bytes hold. Runs once per behind client per snapshot. Ids are dense (a burst of deaths) or spread (entities of all
/// ages). Measures time and bytes allocated per choice.
/// </summary>
[MemoryDiagnoser]
public class DespawnChoiceBenchmarks
{
    private World world = null!;
    private ServerReplication server = null!;
    private ConnectionReplicationState state = null!;
    private int snapshotBytes;

    /// <summary>Despawns pending for the client.</summary>
    [Params(1_000, 8_000)]
    public int Pending { get; set; }

    /// <summary>The largest gap between two pending ids (1: consecutive).</summary>
    [Params(1, 64)]
    public int Spread { get; set; }

    /// <summary>Queues the backlog (oldest first, ids in no order, as entities of different ages die).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        world = World.Create();
        server = new ServerReplication(world, registry, new ServerReplicationOptions());
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        state = server.StateOf(connection)!;
        snapshotBytes = server.Options.MaxSnapshotBytes; // read once: Options is a copy
        var random = new Random(5);
        var ids = new uint[Pending];
        uint id = 0;
        for (int i = 0; i < ids.Length; i++) ids[i] = id += (uint)random.Next(1, Spread + 1);
        random.Shuffle(ids);
        foreach (uint netId in ids) state.PendingDespawns.Add(netId, 1);
    }

    /// <summary>Releases the world.</summary>
    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    /// <summary>One choice for a full-size snapshot (nothing is marked sent, so each run chooses the same).</summary>
    /// <returns>How many despawns fit.</returns>
    [Benchmark]
    public int Choose() => server.ChooseDespawns(state, snapshotBytes, out _);
}
