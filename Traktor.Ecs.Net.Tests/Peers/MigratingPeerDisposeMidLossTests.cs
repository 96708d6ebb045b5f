using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A peer disposed after it noticed its host's loss (or while it followed a recorded host), before it acted on it, starts
/// the next session without that loss: what the last session was doing ends with it.
/// </summary>
public class MigratingPeerDisposeMidLossTests
{
    /// <summary>
    /// The host shut down; the player noticed it in the tick it was disposed in. Failed before: the first tick after it joined
    /// another session began a migration without a plan, and the player was Out (NoPlan).
    /// </summary>
    [Fact]
    public void A_peer_disposed_after_it_lost_its_host_joins_another_session_without_migrating()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 41, joiners: 1);
        var (host, player, newHost) = (game.Peers[0], game.Peers[1], game.Peers[3]);
        newHost.Peer.StartHost();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && player.Peer.PlansReceived > 0, 60 * 10), game.Describe());

        host.Peer.Dispose(); // its server shuts down: the player takes it for the host's loss, to act on at its next tick
        Assert.True(game.TickUntil(() => player.Peer.Client!.Transport.State == ClientState.Disconnected, 60 * 5), game.Describe());
        Assert.Equal(MigrationRole.Client, player.Peer.Role);
        player.Peer.Dispose();
        JoinAndSettle(game, player, newHost);

        Assert.Equal(0, player.Peer.Migrations);
    }

    /// <summary>
    /// The successor the player reached gave way to the recorded host; the player was disposed in the tick it was told. Failed
    /// before: the first tick after it joined another session followed the lost plan Join had forgotten
    /// (NullReferenceException in FollowLostPlan).
    /// </summary>
    [Fact]
    public void A_peer_disposed_after_its_host_gave_way_joins_another_session_without_following_the_old_plan()
    {
        // Peer 1 hosts 2, 3 and 4 and dies while 2 is frozen: 3 hosts and 4 reaches it. Peer 2 comes back and hosts; 3 gives
        // way to it. Peer 5 hosts a session of its own.
        using var game = new MigrationGame(5, new LinkConditions(), seed: 42, joiners: 3);
        var (host, heir, rival, player, newHost) = (game.Peers[0], game.Peers[1], game.Peers[2], game.Peers[3], game.Peers[4]);
        newHost.Peer.StartHost();
        Assert.True(game.TickUntil(() => new[] { heir, rival, player }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3), 60 * 30),
            game.Describe());
        game.Killed.Add(host);
        game.Killed.Add(heir);
        Assert.True(game.TickUntil(() => rival.Peer.IsHost && player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == rival.Peer.ClientId,
            60 * 15), game.Describe());
        game.Killed.Remove(heir);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost, 60 * 5), game.Describe());
        Assert.True(rival.Peer.TryFollowHost(heir.Peer.ClientId));
        Assert.True(game.TickUntil(() => player.Peer.Client!.Transport.State == ClientState.Disconnected, 60 * 5), game.Describe());
        Assert.Equal(MigrationRole.Client, player.Peer.Role);
        int migrations = player.Peer.Migrations;

        player.Peer.Dispose();
        JoinAndSettle(game, player, newHost);

        Assert.Equal(migrations, player.Peer.Migrations);
    }

    /// <summary>
    /// The player was disposed while it followed a recorded host that never answered; in its next session it loses the host
    /// and the first successor is gone too. Failed before: that attempt's failure ended the follow it left behind, and the
    /// player was Out (RecordedHostUnreachable) instead of electing itself, the next successor.
    /// </summary>
    [Fact]
    public void A_peer_disposed_while_it_followed_a_recorded_host_elects_normally_in_its_next_session()
    {
        using var game = new MigrationGame(5, new LinkConditions(), seed: 43, joiners: 1);
        var (player, newHost, first, silent) = (game.Peers[1], game.Peers[2], game.Peers[3], game.Peers[4]);
        newHost.Peer.StartHost();
        first.Peer.Join(newHost.Peer.IssueToken(first.Peer.ClientId, TimeSpan.FromMinutes(10)), newHost.Peer.ClientId);
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && first.Peer.Role == MigrationRole.Client, 60 * 10), game.Describe());

        // Peer 5 never hosts: the follow waits for an answer when the player leaves.
        player.Peer.FollowHost(silent.Peer.ClientId, silent.Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(10)));
        game.Tick(10);
        Assert.Equal(MigrationRole.Reconnecting, player.Peer.Role);
        player.Peer.Dispose();
        JoinAndSettle(game, player, newHost);
        Assert.True(game.TickUntil(() => player.Peer.Successors.SequenceEqual([first.Peer.ClientId, player.Peer.ClientId]), 60 * 5), game.Describe());

        game.Killed.Add(newHost);
        game.Killed.Add(first);
        Assert.True(game.TickUntil(() => player.Peer.IsHost || player.Peer.Role == MigrationRole.Out, 60 * 15), game.Describe());
        Assert.Null(player.Peer.OutReason);
        Assert.True(player.Peer.IsHost);
    }

    /// <summary>
    /// The host ended its session: the player is Out (SessionEnded), leaves and joins another session. Failed before: as the
    /// new host's client it still said it was out, for SessionEnded (OutReason is null while the peer is not Out).
    /// </summary>
    [Fact]
    public void A_peer_that_was_out_joins_another_session_without_its_last_out_reason()
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 44, joiners: 1);
        var (host, player, newHost) = (game.Peers[0], game.Peers[1], game.Peers[3]);
        newHost.Peer.StartHost();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Client && player.Peer.PlansReceived > 0, 60 * 10), game.Describe());
        host.Peer.EndSession();
        Assert.True(game.TickUntil(() => player.Peer.Role == MigrationRole.Out, 60 * 5), game.Describe());
        Assert.Equal(MigrationOutReason.SessionEnded, player.Peer.OutReason);

        player.Peer.Dispose();
        JoinAndSettle(game, player, newHost);
    }

    /// <summary>The player joins <paramref name="newHost"/>'s session: it is its client, with that host's plan and world.</summary>
    private static void JoinAndSettle(MigrationGame game, MigrationPlayer player, MigrationPlayer newHost)
    {
        long plans = player.Peer.PlansReceived;
        player.Peer.Join(newHost.Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(10)), newHost.Peer.ClientId);
        Assert.True(game.TickUntil(() => player.Peer.Role != MigrationRole.Client
            || (player.Peer.Client!.Transport.State == ClientState.Connected && player.Peer.PlansReceived > plans), 60 * 10), game.Describe());
        game.Tick(30);
        Assert.Null(player.Peer.OutReason);
        Assert.Equal(MigrationRole.Client, player.Peer.Role);
        Assert.Equal(newHost.Peer.ClientId, player.Peer.HostClientId);
        Assert.Equal(1u, player.Peer.Epoch);
    }
}
