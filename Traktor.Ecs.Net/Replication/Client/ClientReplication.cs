using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication.Timing;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>
/// The client side of snapshot replication, independent of any transport. <see cref="ReceiveSnapshot"/>
/// decodes a snapshot against the baselines this client holds into a staging area, validates it whole,
/// and only then spawns, updates and despawns entities in the client world; a malformed snapshot or one
/// naming a baseline no longer held is dropped and counted, leaving the world untouched.
/// Snapshots are acknowledged by the transport's packet acknowledgements; <see cref="WriteAck"/> produces the
/// acknowledgement message sent only to correct them after a dropped snapshot; <see cref="Interpolate"/> presents
/// interpolated components at the estimated server tick minus an adaptive delay.
/// </summary>
public sealed partial class ClientReplication
{
    private readonly World world;
    private readonly ReplicationRegistry registry;
    private readonly ILogger logger;
    private readonly ClientComponent[] components;
    private readonly ClientEntityStore store = new();
    private readonly List<uint> despawns = new();
    private readonly List<int> releasedScratch = new();
    private readonly ushort[] models;
    private readonly ComponentType[] spawnTypes;
    private readonly Dictionary<ulong, ComponentSet> spawnSets = new();
    private readonly ulong ownerOnlyTypes;
    private readonly ushort[] typeSendIntervals;
    private double[] renderTicks = new double[64];
    private readonly ReceivedEntityLists entityLists = new();
    private SnapshotRecord[] records = new SnapshotRecord[64];
    private bool[] removedScratch = new bool[64];
    private uint[] addedScratch = new uint[64];
    private bool hasReceived;
    private uint newestTick;
    private bool hasReportedStatus; // a snapshot header's input status was reported: the one of reportedStatusTick
    private uint reportedStatusTick;
    private ulong receivedMask;
    private bool newestApplied; // false after DisownApplied, until a snapshot is applied again
    private bool hasJumpCandidate;
    private uint jumpCandidate;
    private readonly CorrectionPacer corrections = new();
    private bool hasHanded;
    private uint newestHanded;

    /// <summary>The replicated types (a <see cref="Multiplayer"/> host serves the same).</summary>
    internal ReplicationRegistry Registry => registry;

    /// <summary>Creates the client side for a world.</summary>
    /// <param name="world">The client world that mirrors the server's replicated entities.</param>
    /// <param name="registry">The replicated types (the same as the server's).</param>
    /// <param name="tickRate">The server's tick rate: 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> (1,000), as the server's.</param>
    /// <param name="logger">Where dropped snapshots are reported.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tickRate"/> is out of its range.</exception>
    public ClientReplication(World world, ReplicationRegistry registry, int tickRate = 60, ILogger? logger = null)
    {
        // Checked before anything is made: the per-type send intervals below are computed from it.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tickRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tickRate, ServerReplicationOptions.TickRateLimit);
        this.world = world;
        this.registry = registry;
        this.logger = logger ?? NullLogger.Instance;
        components = registry.Types.Select(t => t.CreateClient()).ToArray();
        models = new ushort[AdaptiveModels.Size(registry.ContextCount)];
        spawnTypes = new ComponentType[registry.Types.Count + 2];
        TickRate = tickRate;
        Clock = new ServerTickEstimator(tickRate);
        typeSendIntervals = registry.Types.Select(t => (ushort)Math.Min(t.SendIntervalTicks(tickRate), ushort.MaxValue)).ToArray();
        foreach (var type in registry.Types)
        {
            if (type.Audience == Audience.Owner)
            {
                ownerOnlyTypes |= 1UL << type.Index;
            }
        }
    }

    /// <summary>The estimate of the server's tick, and the interpolation delay.</summary>
    public ServerTickEstimator Clock { get; }

    /// <summary>The server's ticks per second, as given: how long a run of its ticks took (<see cref="StallWatch"/>).</summary>
    internal int TickRate { get; }

    /// <summary>The newest snapshot tick received.</summary>
    public uint NewestTick => newestTick;

    /// <summary>The number of replicated entities in the client world.</summary>
    public int EntityCount => store.Count;

    /// <summary>Counters for diagnostics and tests.</summary>
    public ReplicationCounters Counters { get; } = new();

    /// <summary>The client entity mirroring a network id, or <see cref="Entity.Null"/>.</summary>
    /// <param name="netId">A network id.</param>
    public Entity Find(NetworkId netId)
    {
        int slot = store.Find(netId.Value);
        return slot < 0 ? Entity.Null : store.Entities[slot];
    }

    /// <summary>
    /// True when the snapshot of <paramref name="tick"/> was applied (only the last 65 ticks are remembered).
    /// The RPC layer holds an RPC until the snapshot it was sent after is here.
    /// </summary>
    /// <param name="tick">A server tick.</param>
    /// <returns>True when applied.</returns>
    public bool HasApplied(uint tick) => hasReceived && IsReceived(tick);

    /// <summary>The tick of the newest authoritative state applied to an entity (0 when unknown).</summary>
    /// <param name="netId">The entity's network id.</param>
    public uint LatestTickOf(NetworkId netId)
    {
        int slot = store.Find(netId.Value);
        return slot < 0 ? 0 : store.LatestTick[slot];
    }

    /// <summary>
    /// Writes the newest authoritative values of every <c>Smoothing.Predict</c> component back into the
    /// world, undoing local prediction; the prediction layer then replays its inputs from there.
    /// </summary>
    public void ResetPredicted()
    {
        foreach (var component in components)
        {
            component.ResetPredicted(world, store);
        }
    }

    /// <summary>
    /// Rounds every <c>Smoothing.Predict</c> component of the entities matching <paramref name="predicted"/>
    /// to wire precision, as the server does when it captures them: prediction calls it after every
    /// predicted tick, so predicted and authoritative state step from the same numbers.
    /// </summary>
    /// <param name="predicted">The predicted entities.</param>
    public void RoundPredicted(in QueryDescription predicted)
    {
        foreach (var component in components)
        {
            component.RoundPredicted(world, in predicted);
        }
    }

    /// <summary>Keeps the wire-precision values of the predicted components of <paramref name="predicted"/>, for <see cref="PredictedStateChanged"/>.</summary>
    /// <param name="predicted">The predicted entities.</param>
    internal void RememberPredicted(in QueryDescription predicted)
    {
        foreach (var component in components)
        {
            component.RememberPredicted(world, in predicted);
        }
    }

    /// <summary>True when a predicted component of an entity remembered by <see cref="RememberPredicted"/> now differs at wire precision.</summary>
    /// <param name="predicted">The predicted entities.</param>
    internal bool PredictedStateChanged(in QueryDescription predicted)
    {
        foreach (var component in components)
        {
            if (component.DiffersFromRemembered(world, in predicted))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Destroys every replicated entity (after a disconnect) and forgets all state.</summary>
    public void Reset() => Clear(destroy: true);

    /// <summary>
    /// Forgets every replicated entity without destroying it: the world keeps them as they are, this client's buffers and
    /// baselines are dropped. A player promoted to host after a host migration hosts them from here on.
    /// </summary>
    internal void Detach() => Clear(destroy: false);

    private void Clear(bool destroy)
    {
        for (int slot = 0; slot < store.SlotBound; slot++)
        {
            if (store.IsActive(slot))
            {
                if (destroy && world.IsAlive(store.Entities[slot]))
                {
                    world.Destroy(store.Entities[slot]);
                }

                foreach (var component in components)
                {
                    component.Clear(slot);
                }
            }
        }

        store.Clear();
        entityLists.Clear();
        hasReceived = false;
        receivedMask = 0;
        corrections.Reset();
        hasReportedStatus = false;
        hasHanded = false;
    }
}
