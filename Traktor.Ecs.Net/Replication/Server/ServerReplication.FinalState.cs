using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

// What a session's end needs to let a player go only once it holds the final world (EndDelivery): a snapshot in every
// tick from the end on, and whether the player's acknowledgements cover that world.
public sealed partial class ServerReplication
{
    // The tick whose world a session's end froze (FreezeAfter), or null while the world is read every tick.
    private uint? frozenAfter;

    /// <summary>
    /// The session ended with the world of <paramref name="tick"/>: replications after that tick read nothing of the world
    /// any more (no capture, no new network ids, no despawns), and send what the connections have not acknowledged of the
    /// world as that tick left it. Every end screen shows that world whatever the game does to its own afterwards (a handler
    /// that destroys a leaving player's ship, a system still running), and a change made after the end never holds a
    /// player's delivery until the deadline (a despawn waited for its acknowledgement). Once: a later call changes nothing.
    /// </summary>
    /// <param name="tick">The end's tick: this server's next replication, or a later one.</param>
    internal void FreezeAfter(uint tick) => frozenAfter ??= tick;

    /// <summary>
    /// The ended session's relay was disposed: replications read the world again (captures, new network ids, despawns),
    /// so a session that follows on the same server (docs/sessions.md, one relay per session) replicates its own world,
    /// not the last one's end screen. What the game changed meanwhile goes out as any change does.
    /// </summary>
    internal void Thaw() => frozenAfter = null;

    /// <summary>True once the replication captured the tick a session's end froze (<see cref="FreezeAfter"/>).</summary>
    private bool IsFrozen => frozenAfter is { } frozen && (int)(Tick - frozen) > 0;

    /// <summary>
    /// From now on <paramref name="connection"/> gets a snapshot in every tick, due or not
    /// (<see cref="ServerReplicationOptions.SnapshotRate"/>): a session that ended waits for it to acknowledge the final
    /// world, and a lost snapshot's changes go out again as soon as the resend delay allows, not at the next send tick.
    /// </summary>
    /// <param name="connection">A connection; one unknown here (a host's own player) is ignored.</param>
    internal void SendEveryTick(ConnectionId connection)
    {
        if (connections.TryGetValue(connection, out var state))
        {
            state.SendsEveryTick = true;
        }
    }

    /// <summary>
    /// Whether <paramref name="connection"/> holds the world a session's end froze (<see cref="FreezeAfter"/>,
    /// <see cref="HoldsWorldOf"/> of its tick); false while nothing is frozen.
    /// </summary>
    /// <param name="connection">A connection.</param>
    internal bool HoldsFinalWorld(ConnectionId connection) => frozenAfter is { } frozen && HoldsWorldOf(connection, frozen);

    /// <summary>
    /// Whether <paramref name="connection"/> holds the world as it was at <paramref name="tick"/>, every entity it may see:
    /// each one acknowledged (and not taken back) as of that tick or later, or unchanged since the state it acknowledged,
    /// and no despawn left unacknowledged. Not the same as having acknowledged one snapshot of that tick: a world larger than
    /// one snapshot's budget reaches the player over several, and the first alone left the rest of its end screen stale.
    /// False until this server's replication captured <paramref name="tick"/>. True for a connection that gets no snapshots
    /// (a host's own player, or one no longer replicated to): nothing is owed to it. Reads every tracked entity once.
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="tick">The tick whose world counts (a session's end).</param>
    internal bool HoldsWorldOf(ConnectionId connection, uint tick)
    {
        if (!connections.TryGetValue(connection, out var state) || state.IsCut)
        {
            return true;
        }

        if ((int)(Tick - tick) < 0 || state.PendingDespawns.Count > 0)
        {
            return false;
        }

        foreach (int slot in tracker.Tracked)
        {
            if (!IsRelevant(state, slot))
            {
                continue; // out of its interest: not on its screen, and its despawn is pending until acknowledged
            }

            ref var sent = ref state.Slots.Find(slot);
            if (Unsafe.IsNullRef(ref sent) || sent.SentNetId != tracker.NetIds[slot] || sent.AckedCount == 0
                || sent.AckedMask != AudienceMask(state, slot))
            {
                return false; // never acknowledged as it is now
            }

            if ((int)(sent.Acked0 - tick) < 0 && (int)(tracker.LastChange[slot] - sent.Acked0) > 0)
            {
                return false; // changed since the state it acknowledged, which is older than the tick
            }
        }

        return true;
    }
}
