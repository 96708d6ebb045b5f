using Traktor.Ecs.Net.Replication.Client;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// RPCs a client received before the snapshot they were sent after, kept in arrival order until that
/// snapshot is applied (or until waiting longer is pointless). Reliable-ordered RPCs leave in order; every
/// other channel is independent, so an unreliable RPC never waits behind a held reliable one. Copies live in one
/// arena, compacted as entries leave: the shared ArrayPool keeps a few dozen arrays per size, so renting from it a burst
/// of a few hundred held RPCs would allocate most of them in every tick (~9 KB per tick for 300 small RPCs).
/// Bound: the arena grows (doubling) to the most bytes held at once, and keeps that size; what is held is
/// bounded by <see cref="RpcOptions.MaxHeldRpcs"/> entries of at most <see cref="RpcOptions.MaxRpcBytes"/> after each
/// release, plus what one update receives (the transport's per-update budgets).
/// </summary>
internal sealed class HeldRpcQueue
{
    private readonly List<Entry> entries = new();
    private byte[] arena = new byte[4096];
    private int arenaUsed;

    /// <summary>Bytes the arena holds room for (for tests of the bound).</summary>
    internal int ArenaCapacity => arena.Length;

    /// <summary>RPCs held.</summary>
    public int Count => entries.Count;

    /// <summary>Holds a copy of <paramref name="payload"/>.</summary>
    /// <param name="type">Its RPC type.</param>
    /// <param name="tick">The snapshot tick it waits for.</param>
    /// <param name="payload">Its bytes (copied).</param>
    /// <param name="arrivedSeconds">Local arrival time.</param>
    public void Add(RpcType type, uint tick, ReadOnlySpan<byte> payload, double arrivedSeconds)
    {
        if (arenaUsed + payload.Length > arena.Length)
        {
            var grown = new byte[Math.Max(2 * arena.Length, arenaUsed + payload.Length)];
            arena.AsSpan(0, arenaUsed).CopyTo(grown);
            arena = grown;
        }

        payload.CopyTo(arena.AsSpan(arenaUsed));
        entries.Add(new Entry(type, tick, arenaUsed, payload.Length, arrivedSeconds));
        arenaUsed += payload.Length;
    }

    /// <summary>
    /// Releases, in arrival order, every RPC that is ready: its snapshot was applied (or it was stamped 0,
    /// sent before any snapshot), or that snapshot was lost and <paramref name="lostSnapshotWaitTicks"/> newer
    /// ticks have passed (the server re-sends unacknowledged spawns meanwhile), or it waited too long, or too many
    /// are held. A reliable-ordered RPC is never released before an earlier reliable-ordered one.
    /// </summary>
    /// <param name="replication">The client replication (applied snapshots).</param>
    /// <param name="spawnResendTicks">The server's spawn re-send interval.</param>
    /// <param name="lostSnapshotWaitTicks">Ticks past a lost snapshot after which its RPCs are released.</param>
    /// <param name="deadlineSeconds">Entries that arrived before this are released anyway.</param>
    /// <param name="maxHeld">Waiting entries beyond this many, oldest first, are released anyway.</param>
    /// <param name="release">Called per released RPC with whether it was released without its snapshot.</param>
    public void Release(ClientReplication replication, int spawnResendTicks, int lostSnapshotWaitTicks, double deadlineSeconds, int maxHeld, RpcRelease release)
    {
        uint newest = replication.NewestTick;

        // Only entries still waiting count against the bound: ready ones leave now anyway.
        int waiting = 0;
        foreach (var entry in entries)
        {
            waiting += IsApplied(replication, entry, spawnResendTicks, lostSnapshotWaitTicks) ? 0 : 1;
        }

        int excess = waiting - maxHeld;
        int kept = 0;
        int keptBytes = 0;
        int waitingSeen = 0;
        bool orderedBlocked = false;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            bool ordered = entry.Type.Channel == Channel.ReliableOrdered;
            bool applied = IsApplied(replication, entry, spawnResendTicks, lostSnapshotWaitTicks);
            bool givenUp = !applied && (
                (newest != 0 && (int)(newest - entry.Tick) >= lostSnapshotWaitTicks) // serial-number order: ticks wrap
                || entry.ArrivedSeconds < deadlineSeconds
                || waitingSeen++ < excess);
            if ((applied || givenUp) && !(ordered && orderedBlocked))
            {
                release(entry.Type, arena.AsSpan(entry.Offset, entry.Length), givenUp);
            }
            else
            {
                orderedBlocked |= ordered;
                // Kept bytes move towards the front, over those of entries already handled (an overlapping copy is safe).
                arena.AsSpan(entry.Offset, entry.Length).CopyTo(arena.AsSpan(keptBytes));
                entries[kept++] = entry with { Offset = keptBytes };
                keptBytes += entry.Length;
            }
        }

        entries.RemoveRange(kept, entries.Count - kept);
        arenaUsed = keptBytes;
    }

    /// <summary>
    /// True when the client has the spawns of the entry's snapshot tick: it applied that snapshot, or one of
    /// the snapshots the server re-sends unacknowledged spawns in when it is lost (every <paramref name="resend"/> ticks).
    /// </summary>
    private static bool IsApplied(ClientReplication replication, in Entry entry, int resend, int wait) =>
        entry.Tick == 0 || HasSpawnsOf(replication, entry.Tick, resend, wait);

    private static bool HasSpawnsOf(ClientReplication replication, uint tick, int resend, int wait)
    {
        for (int after = 0; after < wait; after += resend)
        {
            if (replication.HasApplied(tick + (uint)after))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Forgets every held RPC (the connection ended).</summary>
    /// <returns>How many were discarded.</returns>
    public int Clear()
    {
        int count = entries.Count;
        entries.Clear();
        arenaUsed = 0;
        return count;
    }

    private readonly record struct Entry(RpcType Type, uint Tick, int Offset, int Length, double ArrivedSeconds);
}
