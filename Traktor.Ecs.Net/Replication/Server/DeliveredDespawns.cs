namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The despawns of a connection's acknowledged snapshots, by snapshot tick, for as long as a correction may still take
/// the acknowledgement back: the client's 64-tick window, plus the time a correction may spend being retransmitted
/// (it travels reliably), <see cref="SnapshotFormat.CorrectionMemoryTicks"/> in all. The sent-snapshot log drops an
/// acknowledged entry as soon as it reaches the front of its begin order, so a correction arriving later found nothing
/// and the client kept despawned entities forever; and one naming a tick 64 server ticks old, written in time but
/// delivered late, found nothing either. Here the despawns wait: a correction that says a tick was not applied puts
/// them back among the pending despawns, unless the client has been sent the entity again since. A despawn is entered
/// once, by the acknowledgement that ended it (not once per snapshot that repeated it: a client answering late
/// acknowledges many of those at once, and the ring would grow with despawns × snapshots in flight). Bound: one
/// entry per despawn of the last <see cref="SnapshotFormat.CorrectionMemoryTicks"/> ticks; the ring starts with room
/// for one per tick and doubles only when a connection's despawn rate exceeds that, once per new high.
/// </summary>
internal sealed class DeliveredDespawns
{
    private const int Window = SnapshotFormat.ClientHistoryTicks;
    private const int Memory = SnapshotFormat.CorrectionMemoryTicks;
    private uint[] ticks = new uint[Memory]; // about one despawn per tick of memory before growing (no growth once warm)
    private uint[] netIds = new uint[Memory];
    private int front;
    private int count;
    private uint[] candidates = new uint[16];

    /// <summary>Despawns held (for tests of the bound).</summary>
    internal int Count => count;

    /// <summary>Entries the ring holds before it must grow (for tests of the bound).</summary>
    internal int Capacity => ticks.Length;

    /// <summary>The snapshot of <paramref name="tick"/> despawning <paramref name="netId"/> was acknowledged.</summary>
    public void Add(uint tick, uint netId, uint now)
    {
        Expire(now);
        if (count == ticks.Length)
        {
            ticks = Grown(ticks);
            netIds = Grown(netIds);
            front = 0;
        }

        int index = (front + count) & (ticks.Length - 1);
        ticks[index] = tick;
        netIds[index] = netId;
        count++;
    }

    /// <summary>
    /// A correction: of ticks <paramref name="newest"/> − 63 … <paramref name="newest"/>, those whose bit (age) is clear
    /// in <paramref name="applied"/> were not applied. Their despawns become pending again, except those of an entity
    /// the connection knows again (sent since, so the despawn is stale) or that are pending already. Each is put back
    /// once: a repeat of the correction finds it gone. Costs O(despawns held + known entities).
    /// </summary>
    public void Repend(ConnectionReplicationState state, uint newest, ulong applied, uint now)
    {
        Expire(now);
        int found = 0;
        for (int i = 0; i < count; i++)
        {
            int index = (front + i) & (ticks.Length - 1);
            uint age = newest - ticks[index];
            if (netIds[index] == 0 || age >= Window || (applied & (1UL << (int)age)) != 0)
            {
                continue;
            }

            if (found == candidates.Length)
            {
                Array.Resize(ref candidates, candidates.Length * 2);
            }

            candidates[found++] = netIds[index];
            netIds[index] = 0; // put back once
        }

        if (found == 0)
        {
            return;
        }

        var sorted = candidates.AsSpan(0, found);
        sorted.Sort();
        int unique = 1; // a despawn repeated in several snapshots (it is resent until acknowledged) appears once per snapshot
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] != sorted[unique - 1])
            {
                sorted[unique++] = sorted[i];
            }
        }

        var pending = sorted[..unique];
        foreach (int slot in state.Known)
        {
            int at = pending.BinarySearch(state.SentNetIdOf(slot));
            if (at >= 0)
            {
                pending[at] = 0; // sent again since: the client holds it and must keep it
            }
        }

        foreach (uint netId in pending)
        {
            if (netId != 0)
            {
                state.PendingDespawns.Add(netId, now);
            }
        }
    }

    /// <summary>Drops despawns whose snapshot is too old for any correction still on its way to name.</summary>
    private void Expire(uint now)
    {
        while (count > 0 && now - ticks[front] >= Memory)
        {
            front = (front + 1) & (ticks.Length - 1);
            count--;
        }
    }

    private uint[] Grown(uint[] ring)
    {
        var grown = new uint[ring.Length * 2];
        for (int i = 0; i < count; i++)
        {
            grown[i] = ring[(front + i) & (ring.Length - 1)];
        }

        return grown;
    }
}
