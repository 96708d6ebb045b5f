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
}
