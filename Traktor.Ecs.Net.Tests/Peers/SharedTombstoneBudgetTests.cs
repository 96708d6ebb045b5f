using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// Tombstone churn (docs/SECURITY.md, "Destroys in shared authority"): a peer that creates and destroys entities as fast
/// as its share allows. Before: every peer kept one tombstone per destroy, at most <c>MaxEntities</c> for all peers
/// together with the oldest going first, so the churning peer pushed the honest peers' tombstones out within a few rounds,
/// and a late write under an older claim then brought an honest peer's destroyed entity back.
/// </summary>
public class SharedTombstoneBudgetTests
{
    [Fact]
    public void A_peer_churning_entities_recycles_its_own_tombstones_and_never_the_other_peers()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 39, maxEntities: 64);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, honest2, churner) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        int share = honest1.Shared.MaxEntitiesPerPeer;
        Assert.Equal(16, share);
        Assert.Equal(share, honest1.Shared.MaxTombstonesPerPeer);

        // Peer 1 destroys an entity of its own: every peer keeps its tombstone.
        var item = honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
        Assert.True(honest1.Shared.Destroy(item));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0 && p.Shared.Tombstones == 1), 600), mesh.Describe());

        // Peer 3 churns: six rounds of a full share introduced and destroyed, 96 tombstones, more than MaxEntities.
        const int rounds = 6;
        for (int round = 0; round < rounds; round++)
        {
            var spawned = Enumerable.Range(0, share).Select(i => churner.Shared.Spawn(new ShipBody { Position = new Vector2(round, i) })).ToList();
            Assert.True(mesh.TickUntil(() => honest1.Shared.Count == share && honest2.Shared.Count == share, 600), mesh.Describe());
            Assert.All(spawned, e => Assert.True(churner.Shared.Destroy(e)));
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0), 600), mesh.Describe());
        }

        for (int i = 0; i < 30; i++) mesh.Tick();
        foreach (var peer in mesh.Peers)
        {
            Assert.Equal(0, peer.Shared.OverBudget);                             // the churn stayed inside its share
            Assert.Equal(share + 1, peer.Shared.Tombstones);                     // peer 3's newest 16 and peer 1's one
            Assert.Equal(rounds * share - share, peer.Shared.TombstonesRecycled); // peer 3's own, oldest first
        }

        // A late write of peer 1's destroyed entity under the claim it was destroyed under: dropped, not introduced again
        // (before: the tombstone had gone, and peers 2 and 3 held the entity again).
        Assert.True(honest1.Mesh.Broadcast(ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(creator: 1, serial: 1, version: 1, claimant: 1, sequence: 9, Vector2.One)));
        Assert.True(mesh.TickUntil(() => honest2.Shared.LateAfterDestroy == 1 && churner.Shared.LateAfterDestroy == 1, 600),
            $"{honest2.Shared.LateAfterDestroy} {churner.Shared.LateAfterDestroy}: {mesh.Describe()}");
        Assert.All(mesh.Peers, p => Assert.False(p.Shared.TryGetEntity(new SharedId(1, 1), out _)));
        Assert.All(mesh.Peers, p => Assert.Empty(p.Entities()));
    }
}
