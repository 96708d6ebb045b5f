using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile peer relaying claims (kind 0x81) in the name of a peer that is in no one's mesh. A relayed claim may name
/// any id; before, every honest peer adopted it and nobody wrote the entity again: no departure ever passed it on (the
/// named peer was never linked), so it stayed frozen after the hostile peer left, unless its owner's game noticed and
/// claimed it back. Now the session host takes such an entity at once, as it takes a departed peer's.
/// </summary>
public class SharedGhostClaimTests(ITestOutputHelper output)
{
    private const ulong Ghost = 99;

    [Fact]
    public void A_claim_relayed_for_a_peer_nobody_is_linked_to_passes_to_the_session_host()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 51, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (host, owner, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var body = owner.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });
        var id = new SharedId(2, 1);
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Claim(id, new SharedOwner(Ghost, 2))));
        mesh.Tick();   // its tick flushes the claim to both links; then it is gone
        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(() => !host.Mesh.ConnectedPeers.Contains(3UL) && !owner.Mesh.ConnectedPeers.Contains(3UL), 60 * 5), mesh.Describe());
        for (int i = 0; i < 60; i++) mesh.Tick();

        // The entity is held and written by a live peer again, and both honest peers agree on it (before: (99, 2) on both, for good).
        var honest = new[] { host, owner };
        string views = string.Join("; ", honest.Select(p => $"peer {p.Mesh.PeerId}: {p.State()[id].Owner}"));
        output.WriteLine(views);
        Assert.All(honest, p => Assert.Equal(new SharedOwner(1, 3), p.State()[id].Owner));
        Assert.Equal(1, host.Shared.Inherited);
        host.World.Get<ShipBody>(host.Entities().Single(e => host.World.Get<SharedId>(e) == id)).Position = new Vector2(7, 7);
        Assert.True(mesh.TickUntil(mesh.Converged, 600), mesh.Describe());
        Assert.Equal(7f, owner.World.Get<ShipBody>(body).Position.X, 0.01f);   // the host's write (quantized) reached the owner
    }

    [Fact]
    public void A_ghost_claim_from_the_session_host_itself_passes_to_the_next_host_when_it_leaves()
    {
        // Peer 1, the lowest id, is the session host: it does not take the entity it handed to the ghost. When it leaves,
        // peer 2 (the next host) inherits what peer 1 held and what the ghost holds (before: only peer 1's; the ghost's stayed frozen).
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 52, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (hostile, heir, owner) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        owner.Shared.Spawn(new ShipBody { Position = new Vector2(3, 3) });
        var id = new SharedId(3, 1);
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Claim(id, new SharedOwner(Ghost, 2))));
        Assert.True(mesh.TickUntil(() => heir.State()[id].Owner.Peer == Ghost && owner.State()[id].Owner.Peer == Ghost, 120), mesh.Describe());
        Assert.Equal(0, heir.Shared.Inherited);   // not the session host while peer 1 is linked

        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(() => heir.Shared.Inherited == 1, 60 * 5), mesh.Describe());
        Assert.True(mesh.TickUntil(mesh.Converged, 600), mesh.Describe());
        Assert.All(new[] { heir, owner }, p => Assert.Equal(new SharedOwner(2, 3), p.State()[id].Owner));
    }

    /// <summary>A relayed claim (kind 0x81, docs/PROTOCOL.md §13) of <see cref="ShipBody"/> naming any peer.</summary>
    private static byte[] Claim(SharedId id, SharedOwner claim)
    {
        var bytes = new byte[SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.ClaimBytes];
        bytes[0] = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.ClaimMessage;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), ShipBodySerializer.NetworkTypeId);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(3), id.Creator);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(11), id.Serial);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(15), claim.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(19), claim.Peer);
        return bytes;
    }
}
