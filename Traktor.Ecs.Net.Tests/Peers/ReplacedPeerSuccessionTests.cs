using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A peer whose connection is replaced (it connects again from the same socket before its old connection timed out, the
/// old one's disconnect notice lost: docs/PROTOCOL.md section 3.6) is the same player, so it keeps its place in the order
/// of succession. Before, the host took the old connection's close for a departure and the new connection for a newcomer:
/// the heir fell to the end of the plan, and when the host died another peer took over.
/// </summary>
public class ReplacedPeerSuccessionTests
{
    [Fact]
    public void A_replaced_peer_keeps_its_place_in_the_succession_and_takes_over_when_the_host_dies()
    {
        var conditions = new LinkConditions();
        using var game = new MigrationGame(4, conditions, seed: 7);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3), 60 * 30), game.Describe());
        var host = game.Peers[0];
        var order = host.Peer.Successors.ToList();
        Assert.Equal(3, order.Count);
        ulong heir = order[0];
        var replaced = game.Peers.Single(p => p.Peer.ClientId == heir);
        Assert.All(game.Peers.Skip(1), p => Assert.Equal(order, p.Peer.Successors));

        // The heir connects again from its socket (following its own host, as after a join that gave it a fresh token); the
        // close of its old connection never reaches the host, which still holds that connection when the new handshake comes.
        long replacedBefore = ServerCounters(host).Replaced;
        conditions.LossPercent = 100;
        replaced.Peer.FollowHost(host.Peer.ClientId, host.Peer.IssueToken(heir, TimeSpan.FromMinutes(10)));
        game.Tick();
        conditions.LossPercent = 0;
        Assert.True(game.TickUntil(() => replaced.Peer.Role == MigrationRole.Client && ServerCounters(host).Replaced == replacedBefore + 1
            && game.Peers.Skip(1).All(p => p.Peer.Successors.Count == 3), 60 * 10), game.Describe());
        game.Tick(30);

        Assert.Equal(order, host.Peer.Successors);                   // before: the heir came last
        Assert.All(game.Peers.Skip(1), p => Assert.Equal(order, p.Peer.Successors));

        game.Killed.Add(host);
        var survivors = game.Peers.Skip(1).ToList();
        Assert.True(game.TickUntil(() => survivors.All(p => p.Peer.Epoch == 2 && p.Peer.HostClientId == heir), 60 * 20), game.Describe());
        Assert.True(replaced.Peer.IsHost);
    }

    private static NetServerCounters ServerCounters(MigrationPlayer host) => host.Peer.HostServer!.Counters;
}
