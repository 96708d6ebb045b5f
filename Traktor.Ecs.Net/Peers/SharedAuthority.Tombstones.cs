using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net;

// The tombstones of destroyed shared entities, which keep late writes from bringing them back, and their budget: each
// is charged to the peer that introduced its entity here, so one peer's churn recycles its own, never the others'.
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer>
{
    /// <summary>
    /// Ticks (<see cref="AfterUpdate"/> calls) a destroyed entity's tombstone is kept: while it is, a write or claim for the
    /// entity under a claim that does not outrank the destroy's (late, reordered, relayed, duplicated) is dropped
    /// (<see cref="LateAfterDestroy"/>) rather than bring it back. Fewer are kept when a budget is spent
    /// (<see cref="MaxTombstonesPerPeer"/>, <see cref="MaxEntities"/>; <see cref="TombstonesRecycled"/>).
    /// </summary>
    public const int TombstoneTicks = 60 * 60;

    private readonly Dictionary<SharedId, Tombstone> tombstones = new();

    // Per charged peer (the linked peer that introduced the entity here, or this peer for its own), the tombstones in the
    // order they were made; an entry whose tombstone was dropped or made again since finds no match when it goes.
    private readonly Dictionary<ulong, Queue<(SharedId Id, long Burial, long Until)>> tombstoneOrder = new();
    private int tombstoneEntries;
    private long burials;
    private long ticks;

    /// <summary>
    /// The most tombstones kept for the entities one peer introduced here (and for this peer's own): <see cref="MaxEntitiesPerPeer"/>.
    /// A peer that creates and destroys entities faster (<see cref="MaxEntitiesPerPeer"/> in <see cref="TombstoneTicks"/>)
    /// recycles its own oldest tombstones, never the other peers': the budget is checked, and room made in that peer's
    /// share, before a tombstone is kept. All peers' together are at most <see cref="MaxEntities"/>; past that, the oldest
    /// of the peer holding the most goes.
    /// </summary>
    public int MaxTombstonesPerPeer => MaxEntitiesPerPeer;

    /// <summary>Tombstones held (destroyed entities whose late writes are still dropped); at most <see cref="MaxEntities"/>.</summary>
    public int Tombstones => tombstones.Count;

    /// <summary>
    /// Tombstones dropped before <see cref="TombstoneTicks"/> to keep a budget: the peer that introduced their entities held
    /// <see cref="MaxTombstonesPerPeer"/> (its oldest went), or all held <see cref="MaxEntities"/>. A late write for such an
    /// entity under an older claim would introduce it again. Counted on <see cref="PeerMetrics.TombstonesRecycled"/> too.
    /// </summary>
    public long TombstonesRecycled { get; private set; }

    /// <summary>Keeps a tombstone for <paramref name="id"/>, charged to <paramref name="peer"/>, after making room within the budgets.</summary>
    private void Entomb(SharedId id, SharedOwner claim, ulong peer)
    {
        if (!tombstoneOrder.TryGetValue(peer, out var queue)) tombstoneOrder[peer] = queue = new();
        while (queue.Count >= MaxTombstonesPerPeer) Recycle(queue);
        while (tombstoneEntries >= MaxEntities) Recycle(Largest());
        long burial = ++burials;
        tombstones[id] = new Tombstone(claim, burial);
        queue.Enqueue((id, burial, ticks + TombstoneTicks));
        tombstoneEntries++;
    }

    /// <summary>The charged peer holding the most tombstone entries.</summary>
    private Queue<(SharedId Id, long Burial, long Until)> Largest()
    {
        Queue<(SharedId, long, long)>? largest = null;
        foreach (var queue in tombstoneOrder.Values)
        {
            if (largest is null || queue.Count > largest.Count) largest = queue;
        }

        return largest!; // tombstoneEntries > 0: some queue holds an entry
    }

    /// <summary>Drops the oldest entry of <paramref name="queue"/> before its time, counting the tombstone it still held.</summary>
    private void Recycle(Queue<(SharedId Id, long Burial, long Until)> queue)
    {
        if (!Unqueue(queue)) return;
        TombstonesRecycled++;
        PeerMetrics.TombstonesRecycled.Add(1, peerTag);
    }

    /// <summary>Drops the oldest entry of <paramref name="queue"/>; true when its tombstone was still held (not dropped or made again since).</summary>
    private bool Unqueue(Queue<(SharedId Id, long Burial, long Until)> queue)
    {
        var (id, burial, _) = queue.Dequeue();
        tombstoneEntries--;
        if (!tombstones.TryGetValue(id, out var tombstone) || tombstone.Burial != burial) return false;
        tombstones.Remove(id);
        return true;
    }

    private void ExpireTombstones()
    {
        ticks++;
        foreach (var (peer, queue) in tombstoneOrder)
        {
            while (queue.Count > 0 && queue.Peek().Until <= ticks) Unqueue(queue);
            if (queue.Count == 0) tombstoneOrder.Remove(peer);
        }
    }

    /// <summary>
    /// Whether a write for <paramref name="id"/>, which this peer does not hold, names an entity destroyed here under a
    /// claim <paramref name="claim"/> does not outrank (then it is dropped and counted). A claim that outranks the
    /// destroy's (a peer claimed it while the destroy was on its way, and the claim rule makes that claim win) introduces
    /// it again like any write.
    /// </summary>
    private bool Buried(SharedId id, SharedOwner claim)
    {
        if (!tombstones.TryGetValue(id, out var tombstone)) return false;
        if (claim.Outranks(tombstone.Claim) && claim.Version - tombstone.Claim.Version <= MaxClaimStep)
        {
            tombstones.Remove(id); // its queue entry finds no match and goes by itself, or when recycled
            return false;
        }

        LateAfterDestroy++;
        return true;
    }

    /// <summary>A destroyed entity: the claim it was destroyed under, and which burial made it (its queue entry names the same).</summary>
    private readonly record struct Tombstone(SharedOwner Claim, long Burial);
}
