using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>A peer stopped with Dispose and started in another session starts that session's plans and world afresh.</summary>
public class MigratingPeerRejoinTests
{
    /// <summary>
    /// After a migration the peer held a plan of a later epoch; joining a new session (epoch 1) it ignored that host's plans
    /// as older, and on losing the new host it elected from the old session's plan (failed before: its successors stayed the
    /// old session's [3]).
    /// </summary>
    [Fact]
    public void A_peer_that_rejoins_another_session_after_a_migration_follows_the_new_hosts_plans()
    {
        using var game = new MigrationGame(5, new LinkConditions(), seed: 31, joiners: 2);
        var (first, second, third, newHost, other) = (game.Peers[0], game.Peers[1], game.Peers[2], game.Peers[3], game.Peers[4]);
        Assert.True(game.TickUntil(() => new[] { second, third }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 10),
            game.Describe());
        game.Killed.Add(first);
        Assert.True(game.TickUntil(() => third.Peer.Role == MigrationRole.Client && third.Peer.Epoch == 2 && third.Peer.HostClientId != first.Peer.ClientId,
            60 * 10), game.Describe());

        // The player leaves that session and joins another one, hosted by a peer that was never in the first.
        third.Peer.Dispose();
        newHost.Peer.StartHost();
        other.Peer.Join(newHost.Peer.IssueToken(other.Peer.ClientId, TimeSpan.FromMinutes(10)), newHost.Peer.ClientId);
        third.Peer.Join(newHost.Peer.IssueToken(third.Peer.ClientId, TimeSpan.FromMinutes(10)), newHost.Peer.ClientId);
        Assert.True(game.TickUntil(() => new[] { third, other }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 10),
            game.Describe());
        Assert.Equal([third.Peer.ClientId, other.Peer.ClientId], third.Peer.Successors.Order()); // ids 3 and 5

        // The new host is lost: both elect from its plan, so they agree on one successor.
        game.Killed.Add(newHost);
        Assert.True(game.TickUntil(() => new[] { third, other }.Count(p => p.Peer.IsHost) == 1
            && new[] { third, other }.Single(p => !p.Peer.IsHost).Peer is { Role: MigrationRole.Client } follower
            && follower.HostClientId == new[] { third, other }.Single(p => p.Peer.IsHost).Peer.ClientId, 60 * 10), game.Describe());
    }

    /// <summary>
    /// A player leaves one session and joins another: it sees that session's world and nothing of the last one, and the
    /// game's own entities stay. Failed before: the first session's ships and drones stayed beside the new host's (4 ships,
    /// 20 drones), ghosts under network ids the new host also uses.
    /// </summary>
    [Fact]
    public void A_player_that_leaves_a_session_and_joins_another_sees_only_the_new_sessions_world()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 32, joiners: 1);
        var (player, newHost) = (game.Peers[1], game.Peers[3]);
        newHost.Peer.StartHost();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && Count<ShipBody>(player.World) == 2 && Count<Drone>(player.World) == Drones
            && Count<Drone>(newHost.World) == Drones, 60 * 10), game.Describe());
        var camera = player.World.Create(new LocalCamera(2f));

        long plans = player.Peer.PlansReceived;
        player.Peer.Dispose();
        Assert.Equal(Drones, Count<Drone>(player.World)); // leaving keeps the world as it was until the next session starts
        player.Peer.Join(newHost.Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(10)), newHost.Peer.ClientId);
        Assert.True(game.TickUntil(() => player.Peer.Client!.Transport.State == ClientState.Connected && player.Peer.PlansReceived > plans
            && Count<Drone>(player.World) == Drones, 60 * 10), game.Describe());
        game.Tick(30);

        Assert.Equal(2, Count<ShipBody>(player.World));
        Assert.Equal(Drones, player.World.CountEntities(new QueryDescription().WithAll<Drone>()));
        Assert.Equal(Ids<Drone>(newHost.World), Ids<Drone>(player.World));
        Assert.True(player.World.IsAlive(camera));
        Assert.Equal(2f, player.World.Get<LocalCamera>(camera).Zoom);
    }

    /// <summary>
    /// The host ends its session and hosts another: its world starts clean, and every network id names one entity.
    /// Failed before: the last session's drones and ships stayed in its world (its host systems made no new drones, finding
    /// those), and the new session numbered its entities from 0 again beside them; the joiner, connected, held no replicated
    /// entity after 10 s.
    /// </summary>
    [Fact]
    public void A_host_that_ends_its_session_and_hosts_another_starts_from_a_clean_world()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 33, joiners: 2);
        var (host, joiner) = (game.Peers[0], game.Peers[3]);
        Assert.True(game.TickUntil(() => game.Peers.Take(3).All(p => Count<ShipBody>(p.World) == 3 && Count<Drone>(p.World) == Drones), 60 * 10), game.Describe());
        var camera = host.World.Create(new LocalCamera(4f));

        host.Peer.EndSession();
        host.Peer.Dispose();
        Assert.Equal(Drones, Count<Drone>(host.World)); // the end screen still has them
        host.Peer.StartHost();
        joiner.Peer.Join(host.Peer.IssueToken(joiner.Peer.ClientId, TimeSpan.FromMinutes(10)), host.Peer.ClientId);
        Assert.True(game.TickUntil(() => joiner.Peer.Role == MigrationRole.Client && Count<ShipBody>(joiner.World) == 2 && Count<Drone>(joiner.World) == Drones, 60 * 10),
            game.Describe());
        game.Tick(30);

        AssertOneEntityPerNetworkId(host.World);
        Assert.Equal(2, Count<ShipBody>(host.World));
        Assert.Equal(Drones, host.World.CountEntities(new QueryDescription().WithAll<Drone>()));
        Assert.Equal(Ids<Drone>(host.World), Ids<Drone>(joiner.World));
        Assert.Equal(2, Count<ShipBody>(joiner.World));
        Assert.True(host.World.IsAlive(camera));
    }

    /// <summary>
    /// The host leaves with Dispose (its players migrate) and later hosts another session: it knows nothing of the last
    /// session's players. Failed before: it kept their connections, so its new player's first standby announcement, on a
    /// connection id an old player had announced on, was refused as a second one and the player was disconnected
    /// (Out, DisconnectedByHost; the host's Refused 1).
    /// </summary>
    [Fact]
    public void A_host_that_left_with_dispose_hosts_another_session_without_the_last_ones_players()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 34, joiners: 2);
        var (host, second, third, joiner) = (game.Peers[0], game.Peers[1], game.Peers[2], game.Peers[3]);
        Assert.True(game.TickUntil(() => game.Peers.Take(3).All(p => Count<ShipBody>(p.World) == 3 && Count<Drone>(p.World) == Drones)
            && new[] { second, third }.All(p => p.Peer.Successors.Count == 2), 60 * 10), game.Describe());

        host.Peer.Dispose();
        Assert.True(game.TickUntil(() => second.Peer.IsHost && third.Peer.Role == MigrationRole.Client && third.Peer.HostClientId == second.Peer.ClientId, 60 * 10),
            game.Describe());
        host.Peer.StartHost();
        joiner.Peer.Join(host.Peer.IssueToken(joiner.Peer.ClientId, TimeSpan.FromMinutes(10)), host.Peer.ClientId);
        Assert.True(game.TickUntil(() => joiner.Peer.Role == MigrationRole.Client && joiner.Peer.Successors.Count == 1 && Count<Drone>(joiner.World) == Drones, 60 * 10),
            $"{game.Describe()}; joiner out: {joiner.Peer.OutReason}, refused by the host: {host.Peer.Refused}");
        long sent = host.Peer.PlansSent;
        long received = joiner.Peer.PlansReceived;
        game.Tick(60 * 2);

        Assert.Equal(sent, host.Peer.PlansSent);
        Assert.Equal(received, joiner.Peer.PlansReceived);
        Assert.Equal([joiner.Peer.ClientId], host.Peer.Successors);
        AssertOneEntityPerNetworkId(host.World);
        Assert.Equal(2, Count<ShipBody>(joiner.World));
        Assert.Equal(Drones, joiner.World.CountEntities(new QueryDescription().WithAll<Drone>()));
    }

    private const int Drones = MigrationGame.Drones;
}
