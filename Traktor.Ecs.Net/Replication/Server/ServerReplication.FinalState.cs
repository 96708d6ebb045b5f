using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

// What a session's end needs to let a player go only once it holds the final world (SessionRelay): a snapshot in every
// tick from the end on, and whether one of them arrived.
public sealed partial class ServerReplication
{
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
    /// Whether <paramref name="connection"/> acknowledged (and did not take back) a snapshot of tick
    /// <paramref name="since"/> or later: it holds the world as it was then, within its snapshot budget. True for a
    /// connection that gets no snapshots (a host's own player, or one no longer replicated to): nothing is owed to it.
    /// At most the log's 64 entries are read.
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="since">The oldest tick that counts.</param>
    internal bool HasAcknowledgedSince(ConnectionId connection, uint since)
    {
        if (!connections.TryGetValue(connection, out var state) || state.IsCut)
        {
            return true;
        }

        for (uint tick = Tick; (int)(tick - since) >= 0 && Tick - tick < SentSnapshotLog.Length; tick--)
        {
            if (state.Log.FindAcknowledged(tick) is not null)
            {
                return true;
            }
        }

        return false;
    }
}
