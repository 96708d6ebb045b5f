namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The despawns a connection has not had acknowledged yet, each with the tick it was queued in and the tick a snapshot
/// last carried it; snapshots carry them (the oldest first), again a resend delay later, until one that carried them is
/// acknowledged. The tick matters because a network id can be
/// despawned more than once for the same connection: an entity that leaves the client's view (despawn), comes back
/// (spawn, same id) and leaves again (despawn) before the first snapshot's acknowledgement arrives. That late
/// acknowledgement must not take away the second despawn: only a snapshot written at or after the tick a despawn was
/// queued in carried that despawn. With bare ids, the old acknowledgement would remove the new despawn, and when the
/// snapshot carrying it was lost the client would keep the entity for good (RelevancyConvergenceTests).
/// </summary>
/// <remarks>
/// A ring in queue order with a map from id to ring position: adding, finding and removing one are O(1), and a removal
/// leaves a hole (id 0, never a network id) that is skipped. Holes at the front are dropped as they surface; when the
/// ring is full and at least a quarter of it is holes it is compacted in place instead of grown (amortised O(1) a
/// removal), so it grows only when more than three quarters of it are pending: under three times the most pending at once.
/// A list searched and shifted on removal would cost O(pending) for every acknowledged despawn, and a client behind holds thousands.
/// </remarks>
internal sealed class PendingDespawns
{
    // Sizes a connection seldom outgrows: growing past a new high is an allocation in a tick.
    private const int InitialCapacity = 64;
    private uint[] ids = new uint[InitialCapacity];
    private uint[] queuedAt = new uint[InitialCapacity];

    /// <summary>The tick of the newest snapshot that carried each despawn, 0 while none did.</summary>
    private uint[] sentAt = new uint[InitialCapacity];
    private readonly Dictionary<uint, long> positions = new(InitialCapacity);

    /// <summary>Ring positions (counting up forever) of the oldest entry (live or hole) and of the next one added.</summary>
    private long front;

    private long head;
    private bool abandoned;

    /// <summary>The number of despawns pending.</summary>
    public int Count => positions.Count;

    /// <summary>Places the ring holds before it must be compacted or grown (for tests of the bound).</summary>
    internal int Capacity => ids.Length;

    /// <summary>Queues a despawn of <paramref name="netId"/> in <paramref name="tick"/> (at most once: a repeat keeps the older tick, which the snapshots since already carry).</summary>
    public void Add(uint netId, uint tick)
    {
        if (abandoned || netId == 0 || positions.ContainsKey(netId))
        {
            return;
        }

        if (head - front == ids.Length)
        {
            MakeRoom();
        }

        int index = (int)(head & (ids.Length - 1));
        ids[index] = netId;
        queuedAt[index] = tick;
        sentAt[index] = 0;
        positions.Add(netId, head);
        head++;
    }

    /// <summary>True when a despawn of <paramref name="netId"/> is pending.</summary>
    public bool Contains(uint netId) => positions.ContainsKey(netId);

    /// <summary>
    /// Copies the oldest pending despawns, in queue order, into <paramref name="into"/> (as many as fit); returns how many.
    /// Costs the despawns copied plus the holes among them.
    /// </summary>
    public int CopyOldest(Span<uint> into) => CopyDue(into, 0, 0);

    /// <summary>
    /// Copies the oldest pending despawns due in <paramref name="tick"/>, in queue order, into <paramref name="into"/> (as
    /// many as fit); returns how many. Due are those no snapshot carried yet and those whose last carrier left
    /// <paramref name="resendAfter"/> ticks ago or more without being acknowledged (lost, or its acknowledgement late):
    /// a despawn rides once a round trip, like any reliable-over-snapshot state, not in every snapshot of it. Costs the
    /// pending despawns walked (at most all of them, bounded by the backlog limit).
    /// </summary>
    public int CopyDue(Span<uint> into, uint tick, int resendAfter)
    {
        int copied = 0;
        for (long position = front; position < head && copied < into.Length; position++)
        {
            int index = (int)(position & (ids.Length - 1));
            uint id = ids[index];
            uint sent = sentAt[index];
            if (id != 0 && (sent == 0 || (int)(tick - sent) >= resendAfter))
            {
                into[copied++] = id;
            }
        }

        return copied;
    }

    /// <summary>A snapshot of <paramref name="tick"/> carries the pending despawn of <paramref name="netId"/>: it is not due again until its resend delay passed.</summary>
    public void MarkSent(uint netId, uint tick)
    {
        if (positions.TryGetValue(netId, out long position))
        {
            sentAt[position & (ids.Length - 1)] = tick == 0 ? 1 : tick; // 0 means never sent
        }
    }

    /// <summary>
    /// The connection is being cut for leaving its despawns unacknowledged: forgets them and queues no more, so nothing
    /// grows for it until it is gone.
    /// </summary>
    public void Abandon()
    {
        abandoned = true;
        positions.Clear();
        Array.Clear(ids);
        front = head = 0;
    }

    /// <summary>The entity is sent again (a spawn): whatever despawn of it was pending is void.</summary>
    public void Cancel(uint netId)
    {
        if (positions.Remove(netId, out long position))
        {
            Vacate(position);
        }
    }

    /// <summary>
    /// The snapshot of <paramref name="snapshotTick"/>, which carried a despawn of <paramref name="netId"/>, was
    /// acknowledged: the despawn is done, unless the one pending now was queued after that snapshot was written.
    /// </summary>
    /// <returns>
    /// True when this acknowledgement ended the pending despawn; false when it was no longer pending (an earlier snapshot
    /// carrying it was acknowledged first) or the pending one is newer.
    /// </returns>
    public bool Acknowledge(uint netId, uint snapshotTick)
    {
        if (!positions.TryGetValue(netId, out long position)
            || (int)(queuedAt[position & (ids.Length - 1)] - snapshotTick) > 0)
        {
            return false;
        }

        positions.Remove(netId);
        Vacate(position);
        return true;
    }

    private void Vacate(long position)
    {
        // Queue order matters: with more pending than a snapshot carries it carries the first ones, so the oldest must
        // stay first. Swapping the last into the gap let a steady stream of new despawns take the front for good while
        // older ones waited behind them (PendingDespawnsTests). A hole keeps the order.
        ids[position & (ids.Length - 1)] = 0;
        while (front < head && ids[front & (ids.Length - 1)] == 0)
        {
            front++;
        }
    }

    /// <summary>The ring is full: squeeze the holes out when they are a quarter of it or more, else double it.</summary>
    private void MakeRoom()
    {
        int live = positions.Count;
        if (ids.Length - live >= ids.Length / 4)
        {
            // In place, oldest first: each entry moves to a position at or before its own, never over one not yet read.
            long to = front;
            for (long from = front; from < head; from++)
            {
                int source = (int)(from & (ids.Length - 1));
                uint id = ids[source];
                if (id == 0)
                {
                    continue;
                }

                int target = (int)(to & (ids.Length - 1));
                ids[target] = id;
                queuedAt[target] = queuedAt[source];
                sentAt[target] = sentAt[source];
                positions[id] = to;
                to++;
            }

            for (long position = to; position < head; position++)
            {
                ids[position & (ids.Length - 1)] = 0;
            }

            head = to;
            return;
        }

        var grownIds = new uint[ids.Length * 2];
        var grownTicks = new uint[ids.Length * 2];
        var grownSent = new uint[ids.Length * 2];
        for (long position = front; position < head; position++)
        {
            int from = (int)(position & (ids.Length - 1));
            int to = (int)(position & (grownIds.Length - 1));
            grownIds[to] = ids[from];
            grownTicks[to] = queuedAt[from];
            grownSent[to] = sentAt[from];
        }

        ids = grownIds;
        queuedAt = grownTicks;
        sentAt = grownSent;
    }
}
