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
    private const uint MaxStep = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxClaimStep;

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
    public void No_peer_not_even_the_lowest_id_can_freeze_entities_by_jumping_their_claim_version_to_the_top()
    {
        // Before: a claim at uint.MaxValue could be outranked only by a lower id at the same version. Peer 1, the lowest
        // id, claimed every entity of peers 2 and 3 there: nobody could take them back, and when peer 1 was gone the
        // session host's inheritance was refused too (Inherited 0): frozen for the rest of the session.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 4, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (hostile, honest2, honest3) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        for (int i = 0; i < 5; i++)
        {
            honest2.Shared.Spawn(new ShipBody { Position = new Vector2(2, i) });
            honest3.Shared.Spawn(new ShipBody { Position = new Vector2(3, i) });
        }

        Assert.True(mesh.TickUntil(mesh.Converged, 600));
        foreach (ulong creator in new ulong[] { 2, 3 })
        {
            for (uint serial = 1; serial <= 5; serial++)
            {
                Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator, serial, uint.MaxValue, claimant: 1, sequence: 1, new Vector2(9, 9))));
                uint jump = creator == 2 ? 2 + MaxStep : 1u << 31;
                Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator, serial, jump, claimant: 1, sequence: 1, new Vector2(9, 9))));
            }
        }

        // uint.MaxValue now reads as two versions behind 1 (serial numbers): a stale claim, outranked. A claim more than
        // MaxClaimStep versions away from the one held is refused. The owners keep their entities.
        mesh.TickUntil(() => false, 60);
        Assert.All(new[] { honest2, honest3 }, p => Assert.All(p.State(), s => Assert.Equal(new SharedOwner(s.Key.Creator, 1), s.Value.Owner)));
        Assert.True(mesh.Converged(), mesh.Describe());

        // Stepping up within the window is a claim like any other (a peer can claim any entity): peer 1 takes them all,
        // a few steps at a time. Their owners take them back at once (one version more), and peer 1 cannot stop them.
        for (uint step = 1; step <= 3; step++)
        {
            foreach (ulong creator in new ulong[] { 2, 3 })
            {
                for (uint serial = 1; serial <= 5; serial++)
                {
                    Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator, serial, 1 + step * MaxStep, claimant: 1, sequence: 1, new Vector2(9, 9))));
                }
            }

            mesh.TickUntil(() => false, 10); // one window a round: a peer adopts no claim more than MaxClaimStep ahead of what it relayed
        }

        var top = new SharedOwner(1, 1 + 3 * MaxStep);
        Assert.True(mesh.TickUntil(() => honest2.State().Values.All(s => s.Owner == top) && honest3.State().Values.All(s => s.Owner == top), 600), mesh.Describe());
        var mine = honest2.Entities().Where(e => honest2.World.Get<SharedId>(e).Creator == 2).ToList();
        Assert.All(mine, e => Assert.True(honest2.Shared.RequestOwnership(e)));
        Assert.True(mesh.TickUntil(() => new[] { honest2, honest3 }.All(p => p.State().Count(s => s.Value.Owner == new SharedOwner(2, top.Version + 1)) == 5), 600), mesh.Describe());

        // Peer 1 goes silent still holding peer 3's five: the session host among the survivors (peer 2) inherits them.
        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(() => honest2.Shared.Inherited == 5 && mesh.Converged(), 60 * 10), mesh.Describe());
        Assert.All(honest3.State(), s => Assert.Equal(new SharedOwner(2, top.Version + 1), s.Value.Owner));
        Assert.Equal(10, honest2.Shared.ClaimJumps);   // the ten jumps, not held against anyone
        Assert.Equal(10, honest3.Shared.ClaimJumps);
        Assert.Equal(10, honest2.Shared.Refused);
        Assert.Equal(10, honest3.Shared.Refused);
        Assert.Equal(0, honest2.Shared.PeersCut + honest3.Shared.PeersCut);
    }

    [Fact]
    public void The_highest_claim_version_is_no_ceiling_the_next_claim_wraps_and_outranks_it_on_every_peer()
    {
        // An entity a peer introduces may start at any version, so peer 1 (the lowest id) introduces one just under the top
        // and steps it there. Before: at uint.MaxValue nobody with a higher id could claim it again. Now versions compare
        // within a window (serial-number arithmetic), so the claim after uint.MaxValue is 1, and it outranks.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 6, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (hostile, honest2, honest3) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var id = new SharedId(1, 7);
        Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(1, 7, uint.MaxValue - 3, claimant: 1, sequence: 1, new Vector2(5, 5))));
        Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(1, 7, uint.MaxValue, claimant: 1, sequence: 1, new Vector2(6, 6))));
        Assert.True(mesh.TickUntil(() => new[] { honest2, honest3 }.All(p => p.State().TryGetValue(id, out var s) && s.Owner == new SharedOwner(1, uint.MaxValue)), 600), mesh.Describe());

        Assert.True(honest3.Shared.TryGetEntity(id, out var entity));
        Assert.True(honest3.Shared.RequestOwnership(entity));
        Assert.Equal(new SharedOwner(3, 1), honest3.World.Get<SharedOwner>(entity));
        Assert.True(mesh.TickUntil(() => honest2.State().TryGetValue(id, out var s) && s.Owner == new SharedOwner(3, 1), 600), mesh.Describe());
        honest3.World.Get<ShipBody>(entity).Position = new Vector2(30, 30);
        mesh.Killed.Add(hostile);
        Assert.True(mesh.TickUntil(mesh.Converged, 600), mesh.Describe());
        Assert.Equal(0, honest2.Shared.Refused + honest3.Shared.Refused);
    }

    [Fact]
    public void Claims_stepped_past_the_window_while_a_peer_was_away_do_not_shut_it_out_when_it_comes_back()
    {
        // Before: the window was checked against the claim held, and records outlive links. While peer 3 was away peer 1
        // stepped peer 2's entity up 1,024 versions three times (each step within the window of peers 1 and 2); back on
        // the mesh, peer 3 refused every later write for it (ClaimJumps), even its owner's claim at one version more, and
        // never agreed with peer 2 again. Now the first write for an entity from a peer on a new link re-bases it.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 7, timeoutSeconds: 1);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (jumper, owner, away) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var body = owner.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        Assert.True(mesh.Cut(3), mesh.Describe());
        for (uint step = 1; step <= 3; step++)
        {
            Assert.True(jumper.Mesh.Broadcast(ChannelKind.ReliableOrdered, Write(creator: 2, serial: 1, 1 + step * MaxStep, claimant: 1, sequence: 1, new Vector2(9, 9))));
            mesh.TickUntil(() => false, 10); // one window a round (what the owner relayed)
        }

        var top = new SharedOwner(1, 1 + 3 * MaxStep);
        Assert.True(mesh.TickUntil(() => owner.World.Get<SharedOwner>(body) == top, 600), mesh.Describe());
        Assert.Equal(0, owner.Shared.ClaimJumps);

        // Peer 3 comes back; the owner takes its entity back at one version more and moves it; peer 1 leaves.
        Assert.True(mesh.Rejoin(3), mesh.Describe());
        Assert.True(owner.Shared.RequestOwnership(body));
        owner.World.Get<ShipBody>(body).Position = new Vector2(20, 20);
        mesh.Killed.Add(jumper);
        Assert.True(mesh.TickUntil(mesh.Converged, 600), $"{mesh.Describe()}; peer 3 refused {away.Shared.ClaimJumps} claim jumps");
        Assert.All(away.State(), s => Assert.Equal(new SharedOwner(2, top.Version + 1), s.Value.Owner));
        Assert.Equal(0, owner.Shared.PeersCut + away.Shared.PeersCut);
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
