using System.Numerics;
using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// One connection's view of the replicated world: per entity slot it has to remember (<see cref="SlotStates"/>), which
/// network id it was sent, the newest snapshot ticks that carried the entity and were acknowledged (its baselines), when
/// it was last sent, and its priority accumulator. Only these few numbers per entity are kept per connection: the values
/// themselves live once, in the shared history.
/// </summary>
internal sealed class ConnectionReplicationState
{
    public ConnectionReplicationState(ConnectionId connection)
    {
        Connection = connection;
    }

    public ConnectionId Connection { get; }

    /// <summary>The remembered slots; a slot absent reads as never sent, out of range, no priority.</summary>
    public SlotStates Slots { get; } = new();

    // The lists start at sizes a connection seldom outgrows: each growth past a new high is an allocation in a
    // tick, and wandering players keep setting new highs long after the server warmed up.

    /// <summary>Slots this connection was sent and not yet told to despawn.</summary>
    public List<int> Known { get; } = new(64);

    /// <summary>Slots of the entities this connection owns, refreshed every tick.</summary>
    public List<int> Owned { get; } = new(4);

    /// <summary>Despawned network ids not yet acknowledged; resent in every snapshot until they are.</summary>
    public PendingDespawns PendingDespawns { get; } = new();

    public SentSnapshotLog Log { get; } = new();

    /// <summary>
    /// True once it stopped acknowledging its despawns (<see cref="ServerReplication.CutConnections"/>): it gets nothing
    /// more and is being disconnected.
    /// </summary>
    public bool IsCut { get; set; }

    /// <summary>
    /// The last tick in which one of its pending despawns was acknowledged, or none was pending: how long it has left them
    /// unacknowledged (<c>ServerReplication.CutIfStalled</c>).
    /// </summary>
    public uint DespawnsAckedTick { get; set; }

    /// <summary>
    /// Ticks it may hold the hold-back mark of despawns without acknowledging one before it is cut: longer than its
    /// connection's timeout (<c>ServerReplication.DespawnStallTicksFor</c>).
    /// </summary>
    public int DespawnStallTicks { get; init; }

    /// <summary>Despawns of acknowledged snapshots, for corrections that take an acknowledgement back.</summary>
    public DeliveredDespawns DeliveredDespawns { get; } = new();

    /// <summary>Where this connection's player is (its owned entity), for relevancy.</summary>
    public Vector2 Viewer { get; set; }

    public bool HasViewer { get; set; }

    /// <summary>
    /// True while it is being let go at a session's end (<see cref="ServerReplication.SendEveryTick"/>): a snapshot every
    /// tick, whatever the snapshot rate, so the final state reaches it within the end's short wait.
    /// </summary>
    public bool SendsEveryTick { get; set; }

    /// <summary>The newest snapshot tick the client acknowledged.</summary>
    public uint NewestAckedTick { get; set; }

    /// <summary>Smoothed ticks between sending a snapshot and receiving its acknowledgement (the RTT in ticks).</summary>
    public double AckDelayTicks { get; private set; } = 8;

    /// <summary>
    /// Ticks after which a state sent but not yet acknowledged is sent again: the acknowledgement
    /// delay with a margin for jitter, so a lost snapshot is repaired about one RTT later.
    /// </summary>
    public int ResendAfterTicks => (int)Math.Ceiling(AckDelayTicks * 1.25) + 2;

    /// <summary>Feeds the delay of the newest acknowledgement.</summary>
    public void ObserveAckDelay(uint ticks) => AckDelayTicks += (Math.Min(ticks, 255) - AckDelayTicks) * 0.1;

    /// <summary>Average bits of a delta record in the last snapshot, for the next packet's estimate.</summary>
    public float DeltaRecordBits { get; set; } = 64;

    /// <summary>
    /// Which of the ticks of a snapshot interval carry this connection's snapshots: tick % interval == phase
    /// (<see cref="ServerReplicationOptions.SnapshotInterval"/>), so connections take turns.
    /// </summary>
    public int SendPhase { get; set; }

    /// <summary>The tick from which the next sweep of stale waiting slots is due (<c>ServerReplication.ForgetStaleWaits</c>).</summary>
    public uint NextStaleSweepTick { get; set; }

    /// <summary>The tick of the newest snapshot sent to this connection with the input status in its header.</summary>
    public uint StatusTick { get; set; }

    /// <summary>Budget carried between ticks (token bucket), in bytes.</summary>
    public double BudgetBytes { get; set; }

    private uint[] referenceIds = new uint[32];

    /// <summary>True while <see cref="ReferenceTick"/> names a snapshot the client applied, as far as the server knows.</summary>
    public bool HasReference { get; private set; }

    /// <summary>The newest acknowledged snapshot: the next entity lists are coded against its ids (docs/PROTOCOL.md §10.1).</summary>
    public uint ReferenceTick { get; private set; }

    /// <summary>The network ids of the reference snapshot's records, increasing.</summary>
    public ReadOnlySpan<uint> ReferenceIds => referenceIds.AsSpan(0, referenceCount);

    private int referenceCount;

    /// <summary>
    /// Takes an acknowledged snapshot as the reference when it is newer than the one held: its ids are copied, as the log's
    /// ring may reuse their places once the entry is acknowledged.
    /// </summary>
    public void OfferReference(SentSnapshotLog.Entry entry)
    {
        if (HasReference && (int)(entry.Tick - ReferenceTick) <= 0)
        {
            return;
        }

        if (referenceIds.Length < entry.RecordCount)
        {
            referenceIds = new uint[Math.Max(entry.RecordCount, referenceIds.Length * 2)];
        }

        var records = entry.Records;
        for (int i = 0; i < entry.RecordCount; i++)
        {
            referenceIds[i] = records[i].NetId;
        }

        referenceCount = entry.RecordCount;
        ReferenceTick = entry.Tick;
        HasReference = true;
    }

    /// <summary>
    /// A correction says which of ticks <paramref name="newest"/> − 63 … <paramref name="newest"/> the client applied: a
    /// reference among the others is dropped (the next entity list names every id, until another is acknowledged).
    /// </summary>
    public void ForgetReferenceNotApplied(uint newest, ulong applied)
    {
        uint age = newest - ReferenceTick;
        if (HasReference && age < 64 && (applied & (1UL << (int)age)) == 0)
        {
            HasReference = false;
        }
    }

    /// <summary>The network id the slot was last sent with and not forgotten since, or 0.</summary>
    public uint SentNetIdOf(int slot)
    {
        ref var state = ref Slots.Find(slot);
        return Unsafe.IsNullRef(ref state) ? 0 : state.SentNetId;
    }

    public bool IsKnown(int slot)
    {
        ref var state = ref Slots.Find(slot);
        return !Unsafe.IsNullRef(ref state) && state.KnownIndex >= 0;
    }

    /// <summary>Adds the slot to <see cref="Known"/> (its state must exist).</summary>
    public static void MarkKnown(List<int> known, ref SlotState state)
    {
        if (state.KnownIndex < 0)
        {
            state.KnownIndex = known.Count;
            known.Add(state.Slot);
        }
    }

    /// <summary>
    /// Forgets a slot: the client is (being) told it is gone; a later send starts with a spawn. Its state goes (a slot
    /// not sent and without priority reads as zeros), unless the slot was found in range in <paramref name="tick"/>.
    /// </summary>
    public void Forget(int slot, uint tick)
    {
        ref var state = ref Slots.Find(slot);
        if (Unsafe.IsNullRef(ref state))
        {
            return;
        }

        int index = state.KnownIndex;
        if (index >= 0)
        {
            int last = Known[^1];
            Known[index] = last;
            Slots.Find(last).KnownIndex = index;
            Known.RemoveAt(Known.Count - 1);
        }

        if (state.RelevantTick == tick)
        {
            state.KnownIndex = -1;
            state.SentNetId = 0;
            state.AckedCount = 0;
            state.Priority = 0;
        }
        else
        {
            Slots.Remove(slot);
        }
    }

    /// <summary>Drops the state of a slot that is neither known nor waiting with a priority (it reads as zeros).</summary>
    public void ForgetIfIdle(int slot)
    {
        ref var state = ref Slots.Find(slot);
        if (!Unsafe.IsNullRef(ref state) && state.KnownIndex < 0 && state.Priority == 0)
        {
            Slots.Remove(slot);
        }
    }

    /// <summary>
    /// A client's acknowledgement says which of ticks <paramref name="newest"/> − 63 … <paramref name="newest"/> it applied
    /// (bit age): a slot with a baseline among the others forgets them all (the next record is full, as after a spawn).
    /// </summary>
    /// <returns>True when the slot had such a baseline.</returns>
    public bool ForgetBaselinesNotApplied(int slot, uint newest, ulong applied)
    {
        ref var state = ref Slots.Find(slot);
        if (Unsafe.IsNullRef(ref state))
        {
            return false;
        }

        int count = state.AckedCount;
        if ((count > 0 && NotApplied(state.Acked0)) || (count > 1 && NotApplied(state.Acked1)) || (count > 2 && NotApplied(state.Acked2)))
        {
            state.AckedCount = 0;
            return true;
        }

        return false;

        bool NotApplied(uint tick)
        {
            uint age = newest - tick;
            return age < 64 && (applied & (1UL << (int)age)) == 0;
        }
    }

    /// <summary>Records that the snapshot of <paramref name="tick"/> carrying the slot arrived.</summary>
    public void Acknowledge(int slot, uint netId, ulong mask, uint tick)
    {
        ref var state = ref Slots.Find(slot);
        if (Unsafe.IsNullRef(ref state) || state.SentNetId != netId)
        {
            return; // the slot now holds another entity (or was forgotten)
        }

        if (state.AckedCount > 0 && (int)(tick - state.Acked0) <= 0)
        {
            return; // an older acknowledgement: newer baselines are already known
        }

        state.Acked2 = state.Acked1;
        state.Acked1 = state.Acked0;
        state.Acked0 = tick;
        state.AckedMask = mask;
        state.AckedCount = (byte)Math.Min(3, state.AckedCount + 1);
    }
}
