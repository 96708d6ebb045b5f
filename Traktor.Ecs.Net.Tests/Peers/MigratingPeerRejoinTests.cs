using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>A peer stopped with Dispose and joined to another session starts that session's plans afresh.</summary>
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
}
