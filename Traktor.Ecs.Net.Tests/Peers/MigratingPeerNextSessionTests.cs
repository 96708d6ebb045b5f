using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// The end state belongs to the ended session (<see cref="MigratingPeerEndScreenTests"/>: the world keeps it for the end
/// screen); the next session starts clean of it: of its last migration, and of its plan.
/// </summary>
public class MigratingPeerNextSessionTests
{
    /// <summary>
    /// A session migrates once (its first host dies), then its new host ends it. Once the player joins the next session it
    /// reports no migration of its own there. Failed before: after <c>Join</c> the peer still named the ended session's lost
    /// host (<see cref="MigratingPeer.LostHostClientId"/>) and migration time.
    /// </summary>
    [Fact]
    public void A_player_of_an_ended_session_joins_the_next_without_its_last_migration()
    {
        using var game = new MigrationGame(3, new LinkConditions(), seed: 57);
        var (first, heir, player) = (game.Peers[0], game.Peers.Single(p => p.Peer.ClientId == 2), game.Peers.Single(p => p.Peer.ClientId == 3));
        Assert.True(game.TickUntil(() => new[] { heir, player }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);
        game.Killed.Add(first);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost && player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == heir.Peer.ClientId
            && player.Peer.Successors.Count > 0, 60 * 20), game.Describe());
        Assert.Equal(first.Peer.ClientId, player.Peer.LostHostClientId);
        Assert.NotNull(player.Peer.LastMigrationDuration);

        heir.Peer.EndSession();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Out, 60 * 3), game.Describe());
        Assert.Equal(MigrationOutReason.SessionEnded, player.Peer.OutReason);

        // The next session: the old heir hosts it again, the player joins.
        heir.Peer.Dispose();
        heir.Peer.StartHost();
        player.Peer.Dispose();
        player.Peer.Join(heir.Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(1)), heir.Peer.ClientId);
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && player.Peer.Client!.Transport.State == ClientState.Connected, 60 * 5),
            game.Describe());
        Assert.Null(player.Peer.LostHostClientId);
        Assert.Null(player.Peer.LastMigrationDuration);
        Assert.Null(heir.Peer.LostHostClientId);
        Assert.Null(heir.Peer.LastMigrationDuration);
        Assert.Equal(1u, player.Peer.Epoch);
    }

    /// <summary>
    /// A session migrates once (epoch 2), then its new host ends it. A player that is out stays out (no Dispose) and follows
    /// the host of the next session, a first host (epoch 1), with a join's token. It holds the new host's plan and epoch, and
    /// when that host dies it elects the new host's successor. Failed before: the player kept the ended session's plan (epoch
    /// 2), refused the new host's plans as older, showed epoch 3, named the ended session's lost host, and on the new host's
    /// loss elected from the old plan: it promoted itself (the old plan's first successor) beside the real successor.
    /// </summary>
    [Fact]
    public void A_player_out_of_an_ended_session_follows_the_next_sessions_host_with_that_hosts_plan_and_epoch()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 58);
        var first = game.Peers[0];
        var (heir, player, next) = (Peer(game, 2), Peer(game, 3), Peer(game, 4));
        Assert.True(game.TickUntil(() => new[] { heir, player, next }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3), 60 * 10),
            game.Describe());
        game.Killed.Add(first);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost && new[] { player, next }.All(p => p.Peer.Role == MigrationRole.Client
            && p.Peer.HostClientId == heir.Peer.ClientId && p.Peer.Epoch == 2), 60 * 20), game.Describe());
        heir.Peer.EndSession();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Out && next.Peer.Role == MigrationRole.Out, 60 * 3), game.Describe());

        // The next session: peer 4 hosts it, the old heir joins it first (the new host's first successor), and the player,
        // still out of the ended session, follows its host with a join's token.
        next.Peer.Dispose();
        next.Peer.StartHost();
        heir.Peer.Dispose();
        heir.Peer.Join(next.Peer.IssueToken(heir.Peer.ClientId, TimeSpan.FromMinutes(1)), next.Peer.ClientId);
        Assert.True(game.TickUntil(() => heir.Peer.Role == MigrationRole.Client && heir.Peer.Successors.Count == 1, 60 * 5), game.Describe());
        long plansBefore = player.Peer.PlansReceived;
        player.Peer.FollowHost(next.Peer.ClientId, next.Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(1)));
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == next.Peer.ClientId
            && heir.Peer.Successors.SequenceEqual([heir.Peer.ClientId, player.Peer.ClientId]), 60 * 5), game.Describe());
        Assert.True(game.TickUntil(() => player.Peer.PlansReceived > plansBefore && player.Peer.Successors.SequenceEqual(heir.Peer.Successors), 60 * 2),
            game.Describe());
        Assert.Equal(next.Peer.ClientId, player.Peer.HeldPlan!.Host);
        Assert.Equal(1u, player.Peer.Epoch);
        Assert.Null(player.Peer.LostHostClientId);
        Assert.Null(player.Peer.LastMigrationDuration);

        // The next session's host dies: its first successor takes over, and the player follows it there.
        game.Killed.Add(next);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost && player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == heir.Peer.ClientId, 60 * 20),
            game.Describe());
        Assert.Equal(2u, player.Peer.Epoch);
        Assert.Equal(next.Peer.ClientId, player.Peer.LostHostClientId);
    }

    /// <summary>
    /// A successor that took the session over, then ended it, names no successors: the session is over. Failed before: it
    /// still held the plan of the host it lost (before it hosted), so <see cref="MigratingPeer.Successors"/> named that
    /// host's successors (itself among them) after the end.
    /// </summary>
    [Fact]
    public void A_successor_that_ends_the_session_names_no_successors_of_the_host_it_lost()
    {
        using var game = new MigrationGame(3, new LinkConditions(), seed: 59);
        var (first, heir, player) = (game.Peers[0], Peer(game, 2), Peer(game, 3));
        Assert.True(game.TickUntil(() => new[] { heir, player }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 10),
            game.Describe());
        game.Killed.Add(first);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost && player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == heir.Peer.ClientId
            && heir.Peer.Successors.SequenceEqual([player.Peer.ClientId]), 60 * 20), game.Describe());

        heir.Peer.EndSession();
        Assert.Equal(MigrationRole.Out, heir.Peer.Role);
        Assert.Empty(heir.Peer.Successors);
        Assert.Null(heir.Peer.HeldPlan);
    }

    private static MigrationPlayer Peer(MigrationGame game, ulong clientId) => game.Peers.Single(p => p.Peer.ClientId == clientId);
}
