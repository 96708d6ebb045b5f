using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The end of a session for the remote players of one server, on its tick thread: from <see cref="Begin"/> on, each gets a
/// snapshot in every tick, and is let go (<see cref="IServerEndpoint.DisconnectWhenDelivered"/> with
/// <see cref="DisconnectReason.SessionEnded"/>) once it holds the world of the tick the end reached
/// (<see cref="Replication.Server.ServerReplication.HoldsWorldOf"/>: every entity, however many snapshots that took), then
/// every reliable message sent to it, or at <see cref="SessionRelay.EndDeliveryWait"/> after the end at the latest. The
/// wait is timed on the endpoint's own clock (<see cref="IServerEndpoint.Clock"/>), the one its connections' deadlines run
/// on. A game server's <see cref="SessionRelay"/> runs one, and so do the player hosts that stop their server after the
/// end (<see cref="MigratingPeer.EndSession"/>, a <see cref="Multiplayer"/>'s host), so a player that loses a snapshot
/// still shows the final world on its end screen.
/// </summary>
internal sealed class EndDelivery
{
    private readonly NetworkServer server;
    private readonly List<ConnectionId> waiting = new();
    private uint endTick;

    /// <summary>Ends for the players of <paramref name="server"/>.</summary>
    /// <param name="server">The server of the ended session.</param>
    public EndDelivery(NetworkServer server) => this.server = server;

    /// <summary>True once <see cref="Begin"/> ran.</summary>
    public bool Started { get; private set; }

    /// <summary>When the last player is let go at the latest, on the endpoint's clock.</summary>
    public DateTimeOffset Deadline { get; private set; }

    /// <summary>Players not let go yet (their notice may still wait for their reliable messages after that).</summary>
    public int Waiting => waiting.Count;

    /// <summary>
    /// The session ended: the world of this server's next replication is the final one. Each of
    /// <paramref name="connections"/> but the host's own player gets it, and a snapshot in every tick after, until it is let
    /// go. Before that replication (in the tick's receive, or between ticks). Once.
    /// </summary>
    /// <param name="connections">The players to end for.</param>
    public void Begin(IEnumerable<ConnectionId> connections)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        endTick = server.Replication.Tick + 1;
        server.Replication.FreezeAfter(endTick); // the world of that tick is every end screen's: nothing after it goes out
        Deadline = server.Transport.Clock.GetUtcNow() + SessionRelay.EndDeliveryWait;
        foreach (var connection in connections)
        {
            if (server.IsLocal(connection))
            {
                continue; // a player host's own player: its world is the host's, and stays as it is
            }

            server.Replication.SendEveryTick(connection);
            waiting.Add(connection);
        }
    }

    /// <summary>A player's connection closed before it was let go: nothing more to wait for.</summary>
    /// <param name="connection">The connection.</param>
    public void Forget(ConnectionId connection) => waiting.Remove(connection);

    /// <summary>Lets go the players that hold the final world, and every one at the deadline. Each tick, after the receive.</summary>
    public void Update()
    {
        if (waiting.Count == 0)
        {
            return;
        }

        var left = Deadline - server.Transport.Clock.GetUtcNow();
        for (int i = waiting.Count - 1; i >= 0; i--)
        {
            var connection = waiting[i];
            if (left <= TimeSpan.Zero || server.Replication.HoldsWorldOf(connection, endTick))
            {
                waiting.RemoveAt(i);
                server.Transport.DisconnectWhenDelivered(connection, DisconnectReason.SessionEnded, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }
    }
}
