using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// What a host that ended its session does while it delivers the final world: it says when it is done
/// (<see cref="MigratingPeer.IsDeliveringEnd"/>), its world stays the end screen whatever the game's handlers do, changes
/// after the end go to nobody, and nobody new gets in.
/// </summary>
public class MigratingPeerEndDeliveryTests
{
    // The delivery's deadline in ticks of the game's 60 Hz fake clock.
    private static readonly int DeadlineTicks = (int)(SessionRelay.EndDeliveryWait.TotalSeconds * 60);

    /// <summary>
    /// The game's host rules destroy a leaving player's entities on <see cref="NetworkServer.ClientDisconnected"/>, as a
    /// game does; the host ends the session. Its end screen keeps every ship, and so does every player's, and the host says
    /// when it is done delivering, without the game waiting out the deadline. Failed before: each player let go raised
    /// ClientDisconnected (SessionEnded) and the handler destroyed its ship on the host's end screen.
    /// </summary>
    [Fact]
    public void A_game_handler_that_destroys_a_leaving_players_ship_leaves_the_end_screens_whole()
    {
        int disconnectsHeard = 0;
        using var game = new MigrationGame(3, new LinkConditions(), seed: 61, hostRules: (world, host) =>
            host.Server.ClientDisconnected += (connection, _) =>
            {
                disconnectsHeard++;
                var gone = new List<Entity>();
                world.Query(new QueryDescription().WithAll<NetworkOwner>(), (Entity e, ref NetworkOwner o) => { if (o.Connection == connection) gone.Add(e); });
                foreach (var entity in gone) world.Destroy(entity);
            });
        var host = game.Peers[0];
        var players = game.Peers.Skip(1).ToArray();
        Assert.True(game.TickUntil(() => game.Peers.All(p => Count<ShipBody>(p.World) == 3) && players.All(p => p.Peer.Role == MigrationRole.Client), 60 * 10),
            game.Describe());
        game.Tick(30);
        var ships = Ids<ShipBody>(host.World);
        Assert.False(host.Peer.IsDeliveringEnd);

        host.Peer.EndSession();
        Assert.True(host.Peer.IsDeliveringEnd);
        int ticks = 0;
        while (host.Peer.IsDeliveringEnd && ticks < 60 * 3)
        {
            game.Tick();
            ticks++;
        }

        Assert.False(host.Peer.IsDeliveringEnd);
        Assert.True(ticks < DeadlineTicks, $"delivered in {ticks} ticks, the deadline is {DeadlineTicks}");
        Assert.All(players, p => Assert.Equal(MigrationOutReason.SessionEnded, p.Peer.OutReason));
        game.Tick(30);
        Assert.Equal(ships, Ids<ShipBody>(host.World));
        Assert.All(players, p => Assert.Equal(ships, Ids<ShipBody>(p.World)));
        Assert.Equal(0, disconnectsHeard); // the session is over: the game heard it end, and hears no player leave it
    }

    /// <summary>
    /// The game destroys a drone after the end (a system of its own, beside the peer): the world the players get is the
    /// one of the end's tick, so each still shows every drone, and none is held until the deadline waiting to acknowledge
    /// a despawn. Failed before: the despawn went out after the end, the players were held until it was acknowledged (or
    /// the deadline), and their end screens lost the drone the host's game removed after the session was over.
    /// </summary>
    [Fact]
    public void A_change_after_the_end_reaches_no_player_and_holds_none()
    {
        using var game = new MigrationGame(3, new LinkConditions { LossPercent = 30 }, seed: 62);
        var host = game.Peers[0];
        var players = game.Peers.Skip(1).ToArray();
        Assert.True(game.TickUntil(() => game.Peers.All(p => Count<Drone>(p.World) == MigrationGame.Drones) && players.All(p => p.Peer.Role == MigrationRole.Client), 60 * 10),
            game.Describe());
        game.Tick(30);
        var drones = Ids<Drone>(host.World);

        host.Peer.EndSession();
        game.Tick(); // the end's tick: its world is the final one
        var last = new List<Entity>();
        host.World.Query(new QueryDescription().WithAll<Drone>(), (Entity e) => last.Add(e));
        host.World.Destroy(last[0]);                                                   // after the end: nobody's business
        host.World.Create(new Drone { Position = new System.Numerics.Vector2(99, 99) }); // nor is a new one
        Assert.True(game.TickUntil(() => !host.Peer.IsDeliveringEnd, 60 * 3), game.Describe());
        Assert.True(game.TickUntil(() => players.All(p => p.Peer.Role == MigrationRole.Out), 60 * 3), game.Describe());
        Assert.All(players, p =>
        {
            Assert.Equal(MigrationOutReason.SessionEnded, p.Peer.OutReason);
            Assert.Equal(drones, Ids<Drone>(p.World));
        });
    }

    /// <summary>
    /// A peer with a valid token tries to join while the host that ended the session delivers its final world: it is denied
    /// with <see cref="DisconnectReason.SessionEnded"/> at once and is out, without a copy of the ended world, and it holds
    /// up nobody's delivery. Failed before: it was admitted to the ended session, got its world, and was let go only at the
    /// deadline, keeping the host delivering until then.
    /// </summary>
    [Fact]
    public void A_newcomer_while_the_host_delivers_the_end_is_denied_with_session_ended()
    {
        using var game = new MigrationGame(3, new LinkConditions(), seed: 63, joiners: 1);
        var (host, player, newcomer) = (game.Peers[0], game.Peers[1], game.Peers[2]);
        Assert.True(game.TickUntil(() => Count<Drone>(player.World) == MigrationGame.Drones && player.Peer.Role == MigrationRole.Client, 60 * 10), game.Describe());
        var token = host.Peer.IssueToken(newcomer.Peer.ClientId, TimeSpan.FromMinutes(10));

        host.Peer.EndSession();
        newcomer.Peer.Join(token, host.Peer.ClientId);
        Assert.True(game.TickUntil(() => newcomer.Peer.Role == MigrationRole.Out, 60 * 3), game.Describe());
        Assert.Equal(MigrationOutReason.SessionEnded, newcomer.Peer.OutReason);
        Assert.Equal(0, Count<Drone>(newcomer.World));
        Assert.True(game.TickUntil(() => !host.Peer.IsDeliveringEnd, DeadlineTicks - 5), game.Describe());
        Assert.Equal(MigrationOutReason.SessionEnded, player.Peer.OutReason);
    }
}
