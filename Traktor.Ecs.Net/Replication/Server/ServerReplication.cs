using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The server side of snapshot replication, independent of any transport. Each <see cref="Update"/>
/// is one tick: give new replicated entities a <see cref="NetworkId"/>, quantize changed chunks once
/// into the shared history, notice despawns, then for every connection pick relevant entities by
/// priority, delta-encode them against what that connection acknowledged, and hand the snapshot to an
/// <see cref="ISnapshotSink"/>. Acknowledgements come back through <see cref="ReceiveAck"/>.
/// </summary>
public sealed partial class ServerReplication
{
    private readonly World world;
    private readonly ReplicationRegistry registry;
    private readonly ServerReplicationOptions options;
    private readonly ILogger logger;
    private readonly ServerComponent[] components;
    private readonly EntityTracker tracker = new();
    private readonly Dictionary<ConnectionId, ConnectionReplicationState> connections = new();
    private readonly List<ConnectionReplicationState> connectionList = new();
    private readonly Dictionary<Archetype, ArchetypeInfo> archetypeInfo = new();
    private readonly CommandBuffer commands = new();
    private readonly QueryDescription unnumbered;
    private readonly QueryDescription replicated;
    private readonly ulong ownerOnlyTypes;
    private readonly ulong allButOwnerTypes;
    private uint nextNetId = 1;
    private uint lastCaptureVersion;

    /// <summary>Creates the server side for a world.</summary>
    /// <param name="world">The authoritative world.</param>
    /// <param name="registry">The replicated types (the same on every client).</param>
    /// <param name="options">Budgets and rules; a copy is kept, checked here.</param>
    /// <param name="logger">Where problems are reported.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (<see cref="ServerReplicationOptions.Validate"/>).</exception>
    public ServerReplication(World world, ReplicationRegistry registry, ServerReplicationOptions? options = null, ILogger? logger = null)
    {
        this.world = world;
        this.registry = registry;
        // A copy, then validated: the caller changing its object later (a 2 GiB MaxSnapshotBytes, a zero budget) can neither
        // undo the checks nor change a running server.
        this.options = options?.Snapshot() ?? new ServerReplicationOptions();
        this.options.Validate();
        this.logger = logger ?? NullLogger.Instance;
        components = registry.Types.Select(t => t.CreateServer()).ToArray();
        // With no replicated types these would match every entity (an empty WithAny does not filter): the
        // id assignment and the capture are skipped then (an RPC-only game).
        unnumbered = new QueryDescription().WithAny(registry.ComponentTypes).WithNone<NetworkId, ReplicationOptOut>();
        replicated = new QueryDescription().WithAll<NetworkId>().WithAny(registry.ComponentTypes).WithNone<ReplicationOptOut>();
        foreach (var type in registry.Types)
        {
            if (type.Audience == Audience.Owner)
            {
                ownerOnlyTypes |= 1UL << type.Index;
            }
            else if (type.Audience == Audience.AllButOwner)
            {
                allButOwnerTypes |= 1UL << type.Index;
            }
        }

        models = new ushort[Serialization.Delta.AdaptiveModels.Size(registry.ContextCount)];
        packet = new byte[this.options.MaxSnapshotBytes];
        sectionBits = new long[components.Length];
    }

    /// <summary>The tick of the last <see cref="Update"/> (0 before the first).</summary>
    public uint Tick { get; private set; }

    /// <summary>
    /// The largest snapshot the transport carries in one packet (the network plugin sets it): a snapshot's
    /// acknowledgement is its packet's, so snapshots are never fragmented.
    /// </summary>
    internal int MaxMessageBytes { get; set; } = int.MaxValue;

    /// <summary>A copy of the options in force (changing it changes nothing; read it once, not every tick).</summary>
    public ServerReplicationOptions Options => options.Snapshot();

    /// <summary>The number of entities being replicated.</summary>
    public int EntityCount => tracker.Tracked.Count;

    /// <summary>Counters for diagnostics and tests.</summary>
    public ReplicationCounters Counters { get; } = new();

    /// <summary>Starts replicating to a connection (after its handshake) whose transport times out after 10 s of silence.</summary>
    /// <param name="connection">The connection.</param>
    public void AddConnection(ConnectionId connection) => AddConnection(connection, DefaultConnectionTimeout);

    /// <summary>
    /// Starts replicating to a connection (after its handshake). A client that leaves its despawns unacknowledged is cut
    /// only after longer than <paramref name="connectionTimeout"/>: one gone dark is the transport's to time out, and one
    /// back within it catches up (<see cref="NetStats.Timeout"/> tells it; <see cref="NetworkServer"/> passes it).
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="connectionTimeout">Silence after which the transport drops the connection; zero or less for the default 10 s.</param>
    public void AddConnection(ConnectionId connection, TimeSpan connectionTimeout)
    {
        if (connections.ContainsKey(connection))
        {
            return;
        }

        var state = new ConnectionReplicationState(connection)
        {
            BudgetBytes = options.MaxSnapshotBytes,
            SendPhase = LeastLoadedPhase(),
            NextStaleSweepTick = Tick + StaleSweepTicks + ((uint)connectionList.Count % StaleSweepTicks), // spread the sweeps over ticks
            DespawnStallTicks = DespawnStallTicksFor(connectionTimeout),
        };
        connections.Add(connection, state);
        connectionList.Add(state);
    }

    /// <summary>Stops replicating to a connection and forgets its state.</summary>
    /// <param name="connection">The connection.</param>
    public void RemoveConnection(ConnectionId connection)
    {
        if (connections.Remove(connection, out var state))
        {
            connectionList.Remove(state);
        }
    }

    /// <summary>
    /// Handles the transport's report that the packet carrying the snapshot of <paramref name="tick"/> to
    /// <paramref name="connection"/> was acknowledged (<see cref="NetEventType.Delivered"/>): the snapshot's states become
    /// baselines and its despawns are done. This is how snapshots are normally acknowledged; the client sends an
    /// acknowledgement message (<see cref="ReceiveAck"/>) only to correct it, after it dropped a delivered snapshot.
    /// </summary>
    /// <param name="connection">The receiver.</param>
    /// <param name="tick">The snapshot's tick (the receipt it was sent with).</param>
    /// <returns>True when it acknowledged a snapshot still remembered.</returns>
    public bool ReceiveDelivery(ConnectionId connection, uint tick)
    {
        // The client ignores a snapshot 64 ticks older than its newest, which is never newer than our tick.
        if (!connections.TryGetValue(connection, out var state) || (uint)(Tick - tick) >= SnapshotFormat.ClientHistoryTicks)
        {
            return false;
        }

        if (!Acknowledge(state, tick))
        {
            return false;
        }

        ObserveNewest(state, tick);
        return true;
    }

    /// <summary>
    /// Handles an acknowledgement message from a client: the newest snapshot tick it was handed (applied or dropped)
    /// and which of that tick and the 63 before it it applied. It acknowledges those, and corrects the packet acknowledgements: a snapshot whose packet
    /// was delivered but which the client did not apply (it missed a baseline, or came from a jump of the timeline) is
    /// acknowledged no more, so its entities are sent in full and its despawns again. Malformed or future
    /// acknowledgements are counted and ignored; they never throw.
    /// </summary>
    /// <param name="connection">The sender.</param>
    /// <param name="message">The message, starting with its kind byte.</param>
    /// <returns>True when the message was a valid acknowledgement.</returns>
    public bool ReceiveAck(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        if (message.Length != AckLength || message[0] != SnapshotFormat.AckMessage || !connections.TryGetValue(connection, out var state))
        {
            Counters.InvalidAcks++;
            ReplicationMetrics.InvalidAcks.Add(1);
            return false;
        }

        uint newest = BinaryPrimitives.ReadUInt32LittleEndian(message[1..]);
        ulong applied = BinaryPrimitives.ReadUInt64LittleEndian(message[5..]);
        if ((int)(Tick - newest) < 0)
        {
            Counters.InvalidAcks++;
            ReplicationMetrics.InvalidAcks.Add(1);
            return false;
        }

        Counters.Corrections++;
        bool tookBack = false;
        for (int age = 0; age < 64; age++)
        {
            if ((applied & (1UL << age)) != 0)
            {
                Acknowledge(state, newest - (uint)age);
            }
            else
            {
                tookBack |= Unacknowledge(state, newest - (uint)age);
            }
        }

        // Baselines naming a tick the client did not apply are dropped whether or not the log still holds that tick;
        // so is the reference of the entity lists, and its despawns are repeated.
        foreach (int slot in state.Known)
        {
            tookBack |= state.ForgetBaselinesNotApplied(slot, newest, applied);
        }

        bool hadReference = state.HasReference;
        state.ForgetReferenceNotApplied(newest, applied);
        tookBack |= hadReference && !state.HasReference;
        state.DeliveredDespawns.Repend(state, newest, applied, Tick);
        if (tookBack)
        {
            ForgetSentAfter(state, newest);
        }

        ObserveNewest(state, newest);
        return true;
    }

    private void ObserveNewest(ConnectionReplicationState state, uint tick)
    {
        if ((int)(tick - state.NewestAckedTick) > 0)
        {
            state.NewestAckedTick = tick;
            state.ObserveAckDelay(Tick - tick);
        }
    }

    /// <summary>One connection's replication state (for tests), or null.</summary>
    internal ConnectionReplicationState? StateOf(ConnectionId connection) => connections.GetValueOrDefault(connection);

    /// <summary>The length of an acknowledgement: kind, newest tick handed, 64 bits of applied ticks (that one and older).</summary>
    internal const int AckLength = 1 + 4 + 8;

    /// <summary>Runs one replication tick and sends each connection its snapshot.</summary>
    /// <param name="sink">Where the snapshots go.</param>
    public void Update(ISnapshotSink sink) => Replicate(sink, everyone: false);

    /// <summary>
    /// Runs one last replication tick that sends every connection a snapshot of the world as it is now, whether or not its
    /// send tick is due (<see cref="ServerReplicationOptions.SnapshotRate"/>): a session that ends shows its final world on
    /// every client. Each snapshot carries every change the connection has not acknowledged, within its byte budget.
    /// </summary>
    /// <param name="sink">Where the snapshots go.</param>
    internal void UpdateForEveryone(ISnapshotSink sink) => Replicate(sink, everyone: true);

    private void Replicate(ISnapshotSink sink, bool everyone)
    {
        Tick++;
        if (!IsFrozen)
        {
            AssignNetworkIds();
            Capture();
            DetectDespawns();
            BuildGrid();
        }
        foreach (var connection in connectionList)
        {
            if (connection.IsCut || CutIfStalled(connection))
            {
                continue;
            }

            if (everyone || IsSendTick(connection))
            {
                WriteSnapshot(connection, sink);
            }
        }
    }

    /// <summary>The network id the next new replicated entity gets.</summary>
    internal uint NextNetworkId => nextNetId;

    /// <summary>
    /// A successor host continues its predecessor's numbering (<see cref="MigratingPeer"/>): ticks go on after
    /// <paramref name="tick"/>, and new entities never get an id below <paramref name="nextNetworkId"/>, so the ids the
    /// peers know keep naming the same entities.
    /// </summary>
    /// <param name="tick">The last tick of the previous host as far as this one knows.</param>
    /// <param name="nextNetworkId">Above every network id in use.</param>
    internal void Resume(uint tick, uint nextNetworkId)
    {
        Tick = Math.Max(Tick, tick);
        nextNetId = Math.Max(nextNetId, nextNetworkId);
    }

    /// <summary>The network id the server gave an entity, or <see cref="NetworkId.None"/>.</summary>
    /// <param name="entity">A server entity.</param>
    public NetworkId NetworkIdOf(Entity entity) =>
        world.TryGet<NetworkId>(entity, out var id) ? id : NetworkId.None;

    private bool Acknowledge(ConnectionReplicationState state, uint tick)
    {
        var entry = state.Log.Find(tick);
        if (entry is null)
        {
            return false;
        }

        entry.Acked = true;
        var records = entry.Records;
        for (int i = 0; i < entry.RecordCount; i++)
        {
            var record = records[i];
            state.Acknowledge(record.Slot, record.NetId, record.Mask, tick);
        }

        for (int i = 0; i < entry.DespawnCount; i++)
        {
            // Only the acknowledgement that ends a pending despawn is remembered for corrections: every snapshot sent
            // until then repeated it, and when the client answers late (a busy client, late server ticks) one receive
            // phase acknowledges many of them. One entry each would make the ring hold despawns × snapshots in flight and
            // keep doubling, kilobytes per tick at 2,000 clients. The first is enough: if the client applied any
            // snapshot carrying the despawn, it despawned the entity; a correction naming the first as not applied puts
            // it back (at worst once more than needed).
            if (state.PendingDespawns.Acknowledge(entry.Despawns[i], tick))
            {
                state.DespawnsAckedTick = Tick;
                state.DeliveredDespawns.Add(tick, entry.Despawns[i], Tick);
            }
        }

        state.OfferReference(entry);
        return true;
    }

    /// <summary>
    /// Takes back the acknowledgement of a snapshot the client did not apply, while the log still holds it: it is never
    /// acknowledged again (the caller drops the baselines naming it, and puts its despawns back from
    /// <see cref="DeliveredDespawns"/>, which keeps them for the whole correction window; the log keeps an acknowledged
    /// entry only until it reaches the front of its begin order). A snapshot not acknowledged yet is forgotten too: the
    /// correction can overtake the packet ack of a snapshot it names (a reordered or lost client packet), and that ack
    /// must not then make the dropped snapshot's despawns delivered — the correction is sent once, nothing would repeat
    /// them. Should the client apply it after all (it was still on its way), it is only sent again as if lost.
    /// </summary>
    /// <returns>True when an acknowledgement was taken back.</returns>
    private bool Unacknowledge(ConnectionReplicationState state, uint tick)
    {
        var entry = state.Log.FindAcknowledged(tick);
        if (entry is null)
        {
            if (state.Log.Find(tick) is { } unacknowledged)
            {
                SentSnapshotLog.Forget(unacknowledged);
            }

            return false;
        }

        SentSnapshotLog.Forget(entry);
        Counters.Unacknowledged++;
        return true;
    }

    /// <summary>
    /// A correction took acknowledgements back: the snapshots sent after the newest tick it names (still on their way,
    /// or handed after it was written) may be deltas against the baselines it took back, which the client will drop. Their
    /// packet acks must not make their records baselines again (the client would drop every later snapshot until the
    /// next correction, which the client paces at a few per second: a livelock with a round trip of snapshots always in
    /// flight), so they are never acknowledged: their records are sent again as if lost, their despawns stay pending.
    /// </summary>
    private void ForgetSentAfter(ConnectionReplicationState state, uint newest)
    {
        uint first = (int)(Tick - newest) >= SnapshotFormat.ClientHistoryTicks ? Tick - SnapshotFormat.ClientHistoryTicks + 1 : newest + 1;
        for (uint tick = first; (int)(Tick - tick) >= 0; tick++)
        {
            if (state.Log.Find(tick) is { } entry)
            {
                SentSnapshotLog.Forget(entry);
            }
        }
    }

    private void AssignNetworkIds()
    {
        if (components.Length == 0 || world.CountEntities(in unnumbered) == 0)
        {
            return;
        }

        foreach (ref var chunk in world.Query(in unnumbered))
        {
            foreach (var entity in chunk.Entities)
            {
                commands.Add(entity, new NetworkId(nextNetId++));
            }
        }

        commands.Playback(world);
    }

    private ArchetypeInfo InfoOf(Archetype archetype) =>
        archetypeInfo.TryGetValue(archetype, out var info) ? info : DescribeArchetype(archetype);

    // Separate from InfoOf: its lambdas capture locals, and the closure would otherwise be allocated
    // on every call, even when the description is already cached.
    private ArchetypeInfo DescribeArchetype(Archetype archetype)
    {
        ulong mask = registry.MaskOf(archetype);
        var present = components.Where(c => (mask & (1UL << c.Type.Index)) != 0).ToArray();
        float importance = present.Max(c => (float)Math.Max(1, c.Type.Info.Importance));
        int interval = present.Min(c => c.Type.SendIntervalTicks(options.TickRate));
        var info = new ArchetypeInfo(
            mask,
            present,
            archetype.ColumnOf(Component<NetworkOwner>.Id) >= 0,
            options.Relevancy is { } relevancy && archetype.ColumnOf(relevancy.PositionType.Id) >= 0,
            importance,
            (ushort)Math.Min(interval, ushort.MaxValue));
        archetypeInfo.Add(archetype, info);
        return info;
    }

    private sealed record ArchetypeInfo(
        ulong Mask, ServerComponent[] Components, bool HasOwner, bool HasPosition, float Importance, ushort SendInterval);
}
