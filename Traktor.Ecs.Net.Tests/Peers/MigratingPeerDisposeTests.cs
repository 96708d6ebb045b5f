using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>A disposed peer holds nothing of its session: no client, no plan; later calls are refused with a typed error or start anew.</summary>
public class MigratingPeerDisposeTests
{
    /// <summary>
    /// A player disposed mid-session lets go of its client and its plan; ticking it does nothing, a follow or an end is an
    /// <see cref="InvalidOperationException"/>, a second Dispose is a no-op, and the world keeps its end screen. Failed
    /// before: <see cref="MigratingPeer.Client"/> still named the disposed client and <see cref="MigratingPeer.Successors"/>
    /// the old plan's successors.
    /// </summary>
    [Fact]
    public void A_disposed_player_holds_no_client_nor_plan_and_refuses_what_needs_a_session()
    {
        using var game = Ready(seed: 21);
        var player = game.Peers[1];
        var client = player.Peer.Client!;

        player.Peer.Dispose();

        Assert.Equal(MigrationRole.Idle, player.Peer.Role);
        Assert.Null(player.Peer.Client);
        Assert.Null(player.Peer.Host);
        Assert.Empty(player.Peer.Successors);
        Assert.Throws<ObjectDisposedException>(() => client.Transport.Flush()); // its transport was let go, not left running
        Assert.Throws<InvalidOperationException>(() => player.Peer.TryFollowHost(3));
        Assert.Throws<InvalidOperationException>(() => player.Peer.FollowHost(3, [1, 2, 3]));
        Assert.Throws<InvalidOperationException>(player.Peer.EndSession);
        player.Peer.Dispose();
        Assert.Equal(MigrationRole.Idle, player.Peer.Role);

        game.Tick(60 * 2); // a disposed peer's tick does nothing: its end screen stays, nobody migrates
        Assert.Equal(MigrationRole.Idle, player.Peer.Role);
        Assert.Equal(0, player.Peer.Migrations);
        Assert.Equal(MigrationGame.Drones, Count<Drone>(player.World));
    }

    /// <summary>
    /// A player disposed mid-session hosts a session of its own: a follow of the next session's recorded host finds no
    /// token in the last session's plan, and the peer keeps hosting. Failed before: Dispose kept the plan, so
    /// <see cref="MigratingPeer.TryFollowHost"/> stopped the new session's hosting and connected with an old session's token to a
    /// peer that hosted nothing (Out with RecordedHostUnreachable 3 s later).
    /// </summary>
    [Fact]
    public void A_disposed_player_that_hosts_next_follows_nobody_with_the_last_sessions_plan()
    {
        using var game = Ready(seed: 22);
        var (player, other) = (game.Peers[1], game.Peers[2]);
        Assert.Contains(other.Peer.ClientId, player.Peer.Successors);

        player.Peer.Dispose();
        player.Peer.StartHost();

        Assert.False(player.Peer.TryFollowHost(other.Peer.ClientId));
        game.Tick(60 * 4);
        Assert.Equal(MigrationRole.Host, player.Peer.Role);
        Assert.Null(player.Peer.OutReason);
    }

    private static MigrationGame Ready(int seed)
    {
        var game = new MigrationGame(3, new LinkConditions(), seed);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && p.Peer.Client!.Transport.State == ClientState.Connected && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);
        return game;
    }
}
