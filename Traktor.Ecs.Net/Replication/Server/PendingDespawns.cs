namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The despawns a connection has not had acknowledged yet, each with the tick it was queued in; every snapshot repeats
/// them until one that carried them is acknowledged. The tick matters because a network id can be despawned more than
/// once for the same connection: an entity that leaves the client's view (despawn), comes back (spawn, same id) and
/// leaves again (despawn) before the first snapshot's acknowledgement arrives. That late acknowledgement must not take
/// away the second despawn: only a snapshot written at or after the tick a despawn was queued in carried that despawn.
/// Before, the list held bare ids, the old acknowledgement removed the new despawn, and when the snapshot carrying it
/// was lost the client kept the entity for good (RelevancyConvergenceTests).
/// </summary>
internal sealed class PendingDespawns
{
    // Sizes a connection seldom outgrows: growing past a new high is an allocation in a tick (issue 16).
    private readonly List<uint> netIds = new(64);
    private readonly List<uint> queuedAt = new(64);

    // Membership in O(1): a client that acknowledges nothing lets the list reach its bound
    // (ServerReplication.DespawnBacklogLimit), and every despawn of every connection asks whether its id is pending.
    private readonly HashSet<uint> members = new(64);
    private bool abandoned;

    /// <summary>The number of despawns pending.</summary>
    public int Count => netIds.Count;

    /// <summary>The network id of the <paramref name="index"/>-th pending despawn (queue order).</summary>
    public uint this[int index] => netIds[index];

    /// <summary>Queues a despawn of <paramref name="netId"/> in <paramref name="tick"/> (at most once: a repeat keeps the older tick, which the snapshots since already carry).</summary>
    public void Add(uint netId, uint tick)
    {
        if (!abandoned && members.Add(netId))
        {
            netIds.Add(netId);
            queuedAt.Add(tick);
        }
    }

    /// <summary>True when a despawn of <paramref name="netId"/> is pending.</summary>
    public bool Contains(uint netId) => members.Contains(netId);

    /// <summary>
    /// The connection is being cut for leaving too many despawns unacknowledged: forgets them and queues no more, so
    /// nothing grows for it until it is gone.
    /// </summary>
    public void Abandon()
    {
        abandoned = true;
        netIds.Clear();
        queuedAt.Clear();
        members.Clear();
    }

    /// <summary>The entity is sent again (a spawn): whatever despawn of it was pending is void.</summary>
    public void Cancel(uint netId)
    {
        if (members.Contains(netId))
        {
            RemoveAt(netIds.IndexOf(netId));
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
        int index = members.Contains(netId) ? netIds.IndexOf(netId) : -1;
        if (index >= 0 && (int)(queuedAt[index] - snapshotTick) <= 0)
        {
            RemoveAt(index);
            return true;
        }

        return false;
    }

    private void RemoveAt(int index)
    {
        // Queue order matters: with more pending than a snapshot carries (MaxDespawnsPerSnapshot) it carries the first
        // ones, so the oldest must stay first. Swapping the last into the gap let a steady stream of new despawns take
        // the front for good while older ones waited behind them (PendingDespawnsTests).
        members.Remove(netIds[index]);
        netIds.RemoveAt(index);
        queuedAt.RemoveAt(index);
    }
}
