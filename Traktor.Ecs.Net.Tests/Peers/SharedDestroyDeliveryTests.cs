using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A destroy goes to each link once (docs/P2P.md, "Destroying shared entities"). Before: destroys left by broadcast, and
/// when one link refused one (its send queue overflowed, so it was closing) the destroy was broadcast again to every link
/// the next tick, the links that had taken it too, and so on each tick while any link refused.
/// </summary>
public class SharedDestroyDeliveryTests
{
    private const byte DestroyKind = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.DestroyMessage;

    [Fact]
    public void A_link_that_refuses_a_destroy_makes_no_other_link_take_it_again()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 38);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (owner, healthy, stalled) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var item = owner.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
        for (int i = 0; i < 60; i++) mesh.Tick();   // every write acknowledged: the owner's send backlogs are empty

        // Fill the owner's reliable backlog to peer 3 to less than one destroy's room: the destroy overflows it (the link
        // closes with SendQueueOverflow, as a peer that stops reading does) while the link to peer 2 takes it.
        long room = new NetServerOptions().MaxSendQueueBytes;
        long destroyCost = ReliableSendChannel.Cost(SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.ClaimBytes, int.MaxValue);
        var filler = new byte[100];
        filler[0] = 0x9F;   // a kind no layer of the mesh reads
        while (room >= destroyCost)
        {
            int length = filler.Length;
            while (ReliableSendChannel.Cost(length, int.MaxValue) > room) length--;
            Assert.True(owner.Mesh.Send(3, ChannelKind.ReliableOrdered, filler.AsSpan(0, length)));
            room -= ReliableSendChannel.Cost(length, int.MaxValue);
        }

        int fromOwner = 0;
        healthy.Mesh.Received += (from, data) =>
        {
            if (from == 1 && data[0] == DestroyKind) fromOwner++;
        };
        Assert.True(owner.Shared.Destroy(item));
        Assert.True(mesh.TickUntil(() => !owner.Mesh.ConnectedPeers.Contains(3UL), 60));
        for (int i = 0; i < 60; i++) mesh.Tick();

        Assert.Equal(1, fromOwner);   // before: 2, the second broadcast after peer 3's link had refused it
        Assert.Equal(1, healthy.Shared.DestroysApplied);

        // Peer 3 destroys it too: through peer 2's relay, and its link to the owner comes back with the tombstones.
        Assert.True(mesh.TickUntil(() => stalled.Shared.Count == 0, 600), mesh.Describe());
        Assert.True(mesh.Rejoin(3));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0 && p.Entities().Count == 0), 600), mesh.Describe());
    }
}
