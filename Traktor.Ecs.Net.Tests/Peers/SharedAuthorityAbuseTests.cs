using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile but authenticated peer of a shared-authority mesh (docs/SECURITY.md, "Peer-to-peer"): it holds a valid
/// connect token, so its links are up, and it sends kind 0x80 bytes of its choosing through its real mesh.
/// </summary>
public class SharedAuthorityAbuseTests(ITestOutputHelper output)
{
    private const int Header = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.HeaderBytes;
    private const byte Kind = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.WriteMessage;

    [Fact]
    public void One_peer_introducing_made_up_entities_cannot_fill_the_table_and_stop_the_others_spawning()
    {
        // Before: the 4,096 entities were one budget for all peers. Peer 3 introduced 4,096 entities under made-up ids
        // (the highest creators and serials there are); peers 1 and 2 then held 4,096 each, peer 1's next Spawn threw
        // and peer 2 refused everything peer 1 spawned: one peer stopped the session for the others.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, honest2, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        int perPeer = honest1.Shared.MaxEntitiesPerPeer;
        Assert.Equal(1024, perPeer);

        for (int i = 0; i < honest1.Shared.MaxEntities; i++)
        {
            var write = Write(creator: ulong.MaxValue - (ulong)i, serial: uint.MaxValue - (uint)i, version: 1, claimant: 3, sequence: 1, new Vector2(i, i));
            Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, write));
        }

        int flood = honest1.Shared.MaxEntities;
        Assert.True(mesh.TickUntil(() => honest1.Shared.Count + honest1.Shared.OverBudget == flood && honest2.Shared.Count + honest2.Shared.OverBudget == flood, 60 * 30), mesh.Describe());
        foreach (var victim in new[] { honest1, honest2 })
        {
            Assert.Equal(perPeer, victim.Shared.Count);                 // peer 3's share, no more
            Assert.Equal(flood - perPeer, victim.Shared.OverBudget);
            Assert.Equal(flood - perPeer, victim.Shared.Refused);
            Assert.Equal(0, victim.Shared.PeersCut);                    // over budget is not held against a peer
            Assert.Contains(3UL, victim.Mesh.ConnectedPeers);
        }

        // The honest peers go on spawning, and each gets the other's entities.
        for (int i = 0; i < 10; i++)
        {
            honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, i) });
            honest2.Shared.Spawn(new ShipBody { Position = new Vector2(2, i) });
        }

        Assert.True(mesh.TickUntil(() => honest1.Shared.Count == perPeer + 20 && honest2.Shared.Count == perPeer + 20, 600), mesh.Describe());
        Assert.True(mesh.TickUntil(() => hostile.Shared.Count == 20, 600));   // its own SharedAuthority never saw the forged bytes

        // Leaving and coming back buys no new room: the count is of entities held, kept for the peer's id.
        Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator: 77, serial: 1, version: 1, claimant: 3, sequence: 1, Vector2.One)));
        Assert.True(mesh.TickUntil(() => honest1.Shared.OverBudget == flood - perPeer + 1, 600));
    }

    [Fact]
    public void A_peer_sending_malformed_or_forged_writes_is_cut_with_ProtocolViolation_and_the_others_play_on()
    {
        // Before: every such write was counted in Refused and nothing else happened; the peer kept its links for as long
        // as it liked, sending 1,024 of them per update (the transport's message budget) at every peer. Peer 2 is the
        // attacker: peer 1 holds its link as a server connection, peer 3 as a client.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 2);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, hostile, honest3) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var body1 = honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        honest3.Shared.Spawn(new ShipBody { Position = new Vector2(3, 3) });
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        var junk = new List<byte[]>
        {
            Write(creator: 1, serial: 1, version: 9, claimant: 1, sequence: 5, Vector2.Zero),          // as peer 1 (forged claimant)
            Write(creator: 2, serial: 1, version: 0, claimant: 2, sequence: 1, Vector2.Zero),          // version 0
            Write(creator: 2, serial: 0, version: 1, claimant: 2, sequence: 1, Vector2.Zero),          // serial 0
            new byte[] { Kind, 1, 2, 3 },                                                               // shorter than a header
            Write(creator: 2, serial: 1, version: 1, claimant: 2, sequence: 1, Vector2.Zero)[..(Header + 1)], // payload cut short
            Write(creator: 2, serial: 1, version: 1, claimant: 2, sequence: 1, Vector2.Zero).Concat(new byte[20_000]).ToArray(), // 20 KB of trailing bytes
        };
        for (int i = 0; i < 600; i++) Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, junk[i % junk.Count]));

        Assert.True(mesh.TickUntil(() => honest1.Shared.PeersCut == 1 && honest3.Shared.PeersCut == 1
            && !honest1.Mesh.ConnectedPeers.Contains(2UL) && !honest3.Mesh.ConnectedPeers.Contains(2UL), 600), mesh.Describe());
        Assert.True(mesh.TickUntil(() => mesh.Links[(2, 1)].State == ClientState.Disconnected, 600));
        Assert.Equal(DisconnectReason.ProtocolViolation, mesh.Links[(2, 1)].LastDisconnectReason);   // peer 1 told it why
        Assert.Equal(DisconnectReason.ProtocolViolation, mesh.Links[(3, 2)].LastDisconnectReason);   // peer 3 cut its own link
        mesh.TickUntil(() => false, 60);
        Assert.Equal(SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxRefusedWrites, honest1.Shared.Refused); // the rest was never read
        Assert.Equal(SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxRefusedWrites, honest3.Shared.Refused);
        Assert.Equal(new SharedOwner(1, 1), honest1.World.Get<SharedOwner>(body1));                   // nothing was taken

        // The honest pair plays on: peer 1 moves its body, peer 3 sees it.
        honest1.World.Get<ShipBody>(body1).Position = new Vector2(40, 40);
        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(mesh.Converged, 600), mesh.Describe());
        Assert.Contains(1UL, honest3.Mesh.ConnectedPeers);
    }

    [Fact]
    public void Entities_a_peer_froze_at_the_highest_claim_version_are_taken_back_by_lower_ids_and_inherited_when_it_leaves()
    {
        // Before: a claim at uint.MaxValue could never be outranked. Peer 3 claimed every entity of peers 1 and 2 at that
        // version: their owners could not take them back, and when peer 3 was gone nobody could write them again (the
        // session host's inheritance was refused too), for the rest of the session.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 4, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, honest2, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        for (int i = 0; i < 5; i++)
        {
            honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, i) });
            honest2.Shared.Spawn(new ShipBody { Position = new Vector2(2, i) });
        }

        Assert.True(mesh.TickUntil(mesh.Converged, 600));
        var frozen = new SharedOwner(3, uint.MaxValue);
        for (ulong creator = 1; creator <= 2; creator++)
        {
            for (uint serial = 1; serial <= 5; serial++)
            {
                Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator, serial, uint.MaxValue, claimant: 3, sequence: 1, new Vector2(9, 9))));
            }
        }

        Assert.True(mesh.TickUntil(() => honest1.State().Values.All(s => s.Owner == frozen) && honest2.State().Values.All(s => s.Owner == frozen), 600), mesh.Describe());

        // Peer 2 takes its own five back, at the same version: its lower id outranks peer 3's claim on every peer.
        var mine = honest2.Entities().Where(e => honest2.World.Get<SharedId>(e).Creator == 2).ToList();
        Assert.All(mine, e => Assert.True(honest2.Shared.RequestOwnership(e)));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.State().Count(s => s.Value.Owner == new SharedOwner(2, uint.MaxValue)) == 5), 600), mesh.Describe());
        Assert.False(hostile.Shared.RequestOwnership(hostile.Entities().First(e => hostile.World.Get<SharedId>(e).Creator == 2))); // and peer 3 cannot outrank it

        // Peer 3 goes silent: the session host (peer 1) inherits what it still held, and the two agree on everything.
        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(() => honest1.Shared.Inherited == 5 && mesh.Converged(), 60 * 10), mesh.Describe());
        Assert.All(honest1.State().Where(s => s.Key.Creator == 1), s => Assert.Equal(new SharedOwner(1, uint.MaxValue), s.Value.Owner));
        Assert.Equal(0, honest1.Shared.Refused + honest2.Shared.Refused);
    }

    [Fact]
    public void A_peer_reconnecting_again_and_again_gets_its_copies_and_costs_the_other_links_nothing()
    {
        // Before: a new link made every peer mark everything it owned for sending again, to every link: each time peer 3
        // reconnected to one of them, that one sent the other its 100 entities again (applied, one sequence newer): 500
        // writes applied by each over ten reconnections, 21 KB on the link between them. With connect tokens to spare, a peer made the whole mesh resend
        // everything at the handshake rate. Now only the new link gets the copy.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 5);
        var (honest1, honest2, rejoiner) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        for (int i = 0; i < 100; i++)
        {
            honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, i) });   // before any link is up: they reach the
            honest2.Shared.Spawn(new ShipBody { Position = new Vector2(2, i) });   // others as the copies of new links
        }

        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2 && p.Shared.Count == 200) && mesh.Converged(), 600), mesh.Describe());
        long applied1 = honest1.Shared.Applied, applied2 = honest2.Shared.Applied;
        long bytesBetweenHonest = mesh.Links[(2, 1)].GetStats().BytesReceived;

        for (int round = 0; round < 5; round++)
        {
            foreach (ulong target in new ulong[] { 1, 2 })
            {
                mesh.Reconnect(3, target);
                Assert.True(mesh.TickUntil(() => rejoiner.Mesh.ConnectedPeers.Count() == 2 && mesh.Peers[(int)target - 1].Mesh.ConnectedPeers.Count() == 2, 600), mesh.Describe());
            }
        }

        mesh.TickUntil(() => false, 60);
        long resent = mesh.Links[(2, 1)].GetStats().BytesReceived - bytesBetweenHonest;
        output.WriteLine($"ten reconnections of peer 3: peer 1 applied {honest1.Shared.Applied - applied1} writes, peer 2 {honest2.Shared.Applied - applied2}; the link 1 → 2 carried {resent} bytes");
        Assert.Equal(applied1, honest1.Shared.Applied);
        Assert.Equal(applied2, honest2.Shared.Applied);
        Assert.Equal(200, rejoiner.Shared.Count);
        Assert.True(mesh.Converged(), mesh.Describe());
    }

    /// <summary>A shared write of <see cref="ShipBody"/> as docs/PROTOCOL.md §13 lays it out, with any field the attacker likes.</summary>
    internal static byte[] Write(ulong creator, uint serial, uint version, ulong claimant, uint sequence, Vector2 position)
    {
        var bytes = new byte[Header + 32];
        bytes[0] = Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), ShipBodySerializer.NetworkTypeId);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(3), creator);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(11), serial);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(15), version);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(19), claimant);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(27), sequence);
        ShipBodySerializer.Quantize(new ShipBody { Position = position }, out var snapshot);
        var writer = new BitWriter(bytes.AsSpan(Header));
        ShipBodySerializer.WriteFull(ref writer, in snapshot);
        return bytes[..(Header + writer.BytesWritten)];
    }
}
