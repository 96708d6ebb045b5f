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
    /// <param name="options">Budgets and rules.</param>
    /// <param name="logger">Where problems are reported.</param>
    public ServerReplication(World world, ReplicationRegistry registry, ServerReplicationOptions? options = null, ILogger? logger = null)
    {
        this.world = world;
        this.registry = registry;
        this.options = options ?? new ServerReplicationOptions();
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

    /// <summary>The options in force.</summary>
    public ServerReplicationOptions Options => options;

    /// <summary>The number of entities being replicated.</summary>
    public int EntityCount => tracker.Tracked.Count;

    /// <summary>Counters for diagnostics and tests.</summary>
    public ReplicationCounters Counters { get; } = new();

    /// <summary>Starts replicating to a connection (after its handshake).</summary>
    /// <param name="connection">The connection.</param>
    public void AddConnection(ConnectionId connection)
    {
        if (connections.ContainsKey(connection))
        {
            return;
        }

        var state = new ConnectionReplicationState(connection) { BudgetBytes = options.MaxSnapshotBytes };
        state.EnsureCapacity(tracker.Capacity);
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
    /// Handles an acknowledgement message from a client. Malformed, future or stale acknowledgements
    /// are counted and ignored; they never throw.
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
        ulong older = BinaryPrimitives.ReadUInt64LittleEndian(message[5..]);
        if ((int)(Tick - newest) < 0)
        {
            Counters.InvalidAcks++;
            ReplicationMetrics.InvalidAcks.Add(1);
            return false;
        }

        Acknowledge(state, newest);
        for (int bit = 0; older != 0 && bit < 64; bit++, older >>= 1)
        {
            if ((older & 1) != 0)
            {
                Acknowledge(state, newest - 1 - (uint)bit);
            }
        }

        if ((int)(newest - state.NewestAckedTick) > 0)
        {
            state.NewestAckedTick = newest;
            state.ObserveAckDelay(Tick - newest);
        }

        return true;
    }

    /// <summary>The length of an acknowledgement: kind, newest tick, 64 bits of older ticks.</summary>
    internal const int AckLength = 1 + 4 + 8;

    /// <summary>Runs one replication tick and sends each connection its snapshot.</summary>
    /// <param name="sink">Where the snapshots go.</param>
    public void Update(ISnapshotSink sink)
    {
        Tick++;
        AssignNetworkIds();
        Capture();
        DetectDespawns();
        BuildGrid();
        foreach (var connection in connectionList)
        {
            WriteSnapshot(connection, sink);
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

    private void Acknowledge(ConnectionReplicationState state, uint tick)
    {
        var entry = state.Log.Find(tick);
        if (entry is null)
        {
            return;
        }

        entry.Acked = true;
        for (int i = 0; i < entry.RecordCount; i++)
        {
            state.Acknowledge(entry.Slots[i], entry.NetIds[i], entry.Masks[i], tick);
        }

        for (int i = 0; i < entry.DespawnCount; i++)
        {
            state.PendingDespawns.Remove(entry.Despawns[i]);
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
        int interval = present.Min(c => c.Type.Info.SendRate <= 0 ? 1 : Math.Max(1, options.TickRate / c.Type.Info.SendRate));
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
