using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// Destroying a shared entity through the mesh (docs/P2P.md, "Destroying shared entities"; kind 0x82, docs/PROTOCOL.md
/// §13). Before: there was no way to: a departed player's avatar stayed in every world under the session host, and a game
/// could not remove a picked-up item for everyone (destroying it in one world removed it there alone, and the next copy
/// to a new link brought it back nowhere else). These tests did not compile before (no SharedAuthority.Destroy).
/// </summary>
public class SharedDestroyTests
{
    private const byte DestroyKind = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.DestroyMessage;
    private const byte ClaimKind = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.ClaimMessage;

    [Fact]
    public void The_owner_destroys_an_entity_in_every_world_once_even_where_it_reaches_only_through_relaying()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 31);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (owner, relay, far) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var item = owner.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        far.Shared.Spawn(new ShipBody { Position = new Vector2(3, 3) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 2), 600), mesh.Describe());

        // Peer 3 loses its link to the owner: it reaches peer 1 only through peer 2 now.
        mesh.Links[(3, 1)].Disconnect();
        Assert.True(mesh.TickUntil(() => !owner.Mesh.ConnectedPeers.Contains(3UL) && !far.Mesh.ConnectedPeers.Contains(1UL), 600));
        Assert.False(relay.Shared.Destroy(relay.Entities().Single(e => relay.World.Get<SharedId>(e) == new SharedId(1, 1)))); // not its owner
        Assert.True(owner.Shared.Destroy(item));
        Assert.False(owner.World.IsAlive(item));
        Assert.False(owner.Shared.Destroy(item));   // once

        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600), mesh.Describe());
        for (int i = 0; i < 120; i++) mesh.Tick();   // duplicates (peer 3 relays it back to peer 2) land and change nothing
        foreach (var peer in mesh.Peers)
        {
            Assert.False(peer.Shared.TryGetEntity(new SharedId(1, 1), out _));
            Assert.True(peer.Shared.TryGetEntity(new SharedId(3, 1), out _));
            Assert.Single(peer.Entities());
            Assert.Equal(0, peer.Shared.Refused);
        }

        Assert.Equal(0, owner.Shared.DestroysApplied);
        Assert.Equal(1, relay.Shared.DestroysApplied);
        Assert.Equal(1, far.Shared.DestroysApplied);   // through peer 2 alone, exactly once
    }

    [Fact]
    public void Late_reordered_and_duplicated_writes_claims_and_destroys_never_bring_a_destroyed_entity_back()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 32);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (p1, p2, p3) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        p2.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });                     // (2, 1) under claim (2, 1)
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
        p1.Shared.TryGetEntity(new SharedId(2, 1), out var taken);
        Assert.True(p1.Shared.RequestOwnership(taken));                                     // claim (1, 2)
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.State().Values.All(s => s.Owner == new SharedOwner(1, 2))), 600));
        Assert.True(p1.Shared.Destroy(taken));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0), 600), mesh.Describe());

        // What could still be in flight after the destroy: peer 2's write under its old claim (sent before it heard of the
        // claim of peer 1), the owner's last write under the destroy's own claim, relayed claims, the destroy again.
        var id = new SharedId(2, 1);
        var late = new[]
        {
            SharedAuthorityAbuseTests.Write(creator: 2, serial: 1, version: 1, claimant: 2, sequence: 9, Vector2.One),
            Message(ClaimKind, id, new SharedOwner(1, 2)),
            Message(ClaimKind, id, new SharedOwner(2, 1)),
            Message(DestroyKind, id, new SharedOwner(1, 2)),
        };
        foreach (var bytes in late)
        {
            Assert.True(p2.Mesh.Broadcast(ChannelKind.ReliableOrdered, bytes));
            Assert.True(p2.Mesh.Broadcast(ChannelKind.ReliableOrdered, bytes));   // duplicated
        }

        Assert.True(p1.Mesh.Broadcast(ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(creator: 2, serial: 1, version: 2, claimant: 1, sequence: 7, Vector2.Zero)));
        Assert.True(mesh.TickUntil(() => p1.Shared.LateAfterDestroy == 2 && p3.Shared.LateAfterDestroy == 3, 600), $"{p1.Shared.LateAfterDestroy} {p3.Shared.LateAfterDestroy}");
        for (int i = 0; i < 60; i++) mesh.Tick();
        foreach (var peer in mesh.Peers)
        {
            Assert.Equal(0, peer.Shared.Count);
            Assert.Empty(peer.Entities());
            Assert.Equal(0, peer.Shared.Refused);
            Assert.Equal(1, peer.Shared.Tombstones);
        }

        Assert.Equal(1, p2.Shared.DestroysApplied);
        Assert.Equal(1, p3.Shared.DestroysApplied);

        // The tombstone is kept for TombstoneTicks, then goes: bounded lifetime.
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Tombstones == 0), SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.TombstoneTicks + 10));
    }

    [Fact]
    public void Destroys_converge_over_lossy_reordering_duplicating_links()
    {
        using var mesh = new SharedMesh(3, new LinkConditions { LossPercent = 10, ReorderPercent = 20, DuplicatePercent = 10, LatencyMs = 30, JitterMs = 20 }, seed: 33);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 1200));
        var spawned = new List<(SharedPeer Peer, Entity Entity)>();
        foreach (var peer in mesh.Peers)
        {
            for (int i = 0; i < 20; i++) spawned.Add((peer, peer.Shared.Spawn(new ShipBody { Position = new Vector2(peer.Mesh.PeerId, i) })));
        }

        // Half destroyed at once, some of them before their first write has left.
        for (int i = 0; i < spawned.Count; i += 2) Assert.True(spawned[i].Peer.Shared.Destroy(spawned[i].Entity));
        mesh.Tick();
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 30), 60 * 20), mesh.Describe());
        for (int i = 1; i < spawned.Count; i += 4) Assert.True(spawned[i].Peer.Shared.Destroy(spawned[i].Entity));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 15) && mesh.Converged(), 60 * 20), mesh.Describe());
        for (int i = 0; i < 120; i++) mesh.Tick();
        Assert.True(mesh.Converged(), mesh.Describe());
        foreach (var peer in mesh.Peers)
        {
            Assert.Equal(15, peer.Entities().Count);
            Assert.Equal(10, peer.Shared.DestroysApplied);   // the others' 10 of the second batch, each once; the first never arrived anywhere
            Assert.Equal(0, peer.Shared.Refused);
        }
    }

    [Fact]
    public void A_peer_without_authority_cannot_destroy_and_malformed_destroys_count_towards_its_cut()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 34);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, honest2, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
        var id = new SharedId(1, 1);

        // The API refuses a non-owner.
        hostile.Shared.TryGetEntity(id, out var theirs);
        Assert.False(hostile.Shared.Destroy(theirs));
        Assert.True(hostile.World.IsAlive(theirs));

        // Forged bytes: destroys under its own claim at the version in force (peer 1's outranks it, lower id) and behind it.
        foreach (var claim in new[] { new SharedOwner(3, 1), new SharedOwner(2, 1) })
        {
            Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, Message(DestroyKind, id, claim)));
        }

        Assert.True(mesh.TickUntil(() => honest1.Shared.DestroysRefused == 2 && honest2.Shared.DestroysRefused == 2, 600));
        foreach (var honest in new[] { honest1, honest2 })
        {
            Assert.True(honest.Shared.TryGetEntity(id, out var e) && honest.World.IsAlive(e));
            Assert.Equal(2, honest.Shared.Refused);
            Assert.Equal(0, honest.Shared.DestroysApplied);
            Assert.Contains(3UL, honest.Mesh.ConnectedPeers);   // refusals are not held against it (honest races send them)
        }

        // Malformed destroys (wrong length, version 0, serial 0) are strikes: 16 cut the peer.
        var bad = Message(DestroyKind, id, new SharedOwner(1, 1));
        for (int i = 0; i < SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxRefusedWrites; i++)
        {
            byte[] junk = (i % 3) switch
            {
                0 => bad[..20],
                1 => Message(DestroyKind, id, new SharedOwner(3, 0)),
                _ => Message(DestroyKind, new SharedId(1, 0), new SharedOwner(3, 1)),
            };
            Assert.True(hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, junk));
        }

        Assert.True(mesh.TickUntil(() => honest1.Shared.PeersCut == 1 && honest2.Shared.PeersCut == 1, 600));
        Assert.True(mesh.TickUntil(() => !honest1.Mesh.ConnectedPeers.Contains(3UL) && !honest2.Mesh.ConnectedPeers.Contains(3UL), 600));
        Assert.True(honest1.Shared.TryGetEntity(id, out _));
        Assert.True(honest2.Shared.TryGetEntity(id, out _));
    }

    [Fact]
    public void The_host_destroys_a_departed_players_entities_it_inherited_for_everyone()
    {
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 35);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (host, other, leaver) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        host.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        leaver.Shared.Spawn(new ShipBody { Position = new Vector2(3, 3) });
        leaver.Shared.Spawn(new ShipBody { Position = new Vector2(3, 4) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 3), 600));

        // What docs/P2P.md shows: after the host inherits them (as before), the game destroys the departed player's entities.
        var destroyed = new List<SharedId>();
        host.Mesh.PeerDisconnected += departed =>
        {
            foreach (var entity in host.Entities())
            {
                var id = host.World.Get<SharedId>(entity);
                if (id.Creator == departed && host.Shared.Destroy(entity)) destroyed.Add(id);
            }
        };
        Assert.True(mesh.Cut(3));
        Assert.Equal(2, host.Shared.Inherited);
        Assert.Equal([new SharedId(3, 1), new SharedId(3, 2)], destroyed.OrderBy(i => i.Serial).ToList());
        Assert.True(mesh.TickUntil(() => other.Shared.Count == 1 && other.Shared.DestroysApplied == 2, 600), mesh.Describe());
        Assert.Equal(1, host.Shared.Count);

        // Back again, the departed peer hears of the destroys (a new link gets the tombstones) and drops its copies.
        Assert.True(mesh.Rejoin(3));
        Assert.True(mesh.TickUntil(() => leaver.Shared.Count == 1 && mesh.Converged(), 600), mesh.Describe());
    }

    [Fact]
    public void A_peer_claims_and_destroys_another_peers_entity_in_one_tick_and_it_goes_everywhere()
    {
        // What docs/P2P.md tells a game picking up an item another peer owns: RequestOwnership, then Destroy.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 36);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (owner, picker, third) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        owner.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
        picker.Shared.TryGetEntity(new SharedId(1, 1), out var item);
        Assert.False(picker.Shared.Destroy(item));   // not its own yet
        Assert.True(picker.Shared.RequestOwnership(item));
        Assert.True(picker.Shared.Destroy(item));    // the destroy carries the new claim (2, 2): no write of it ever left
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0), 600), mesh.Describe());
        for (int i = 0; i < 60; i++) mesh.Tick();
        Assert.All(mesh.Peers, p => Assert.Empty(p.Entities()));
        Assert.Equal(1, owner.Shared.DestroysApplied);
        Assert.Equal(1, owner.Shared.ClaimsLost);
        Assert.Equal(1, third.Shared.DestroysApplied);
        Assert.All(mesh.Peers, p => Assert.Equal(0, p.Shared.Refused));
    }

    [Fact]
    public void A_destroy_racing_a_newer_claim_loses_to_it_on_every_peer_alike()
    {
        // Peer 1 destroys its entity in the tick peer 3 claims it: the claim (3, 2) outranks the destroy's (1, 1), so by the
        // claim rule peer 3 owns it. Peers that had the claim refuse the destroy; peer 1, which destroyed it first, gets it
        // back from peer 3's write. Every peer ends with it under (3, 2): one outcome, not a split.
        using var mesh = new SharedMesh(3, new LinkConditions { LatencyMs = 40, JitterMs = 30, ReorderPercent = 20 }, seed: 37);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 1200));
        var (owner, watcher, claimer) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        var mine = owner.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 1200));
        claimer.Shared.TryGetEntity(new SharedId(1, 1), out var theirs);
        Assert.True(owner.Shared.Destroy(mine));
        Assert.True(claimer.Shared.RequestOwnership(theirs));
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1) && mesh.Converged(), 1200), mesh.Describe());
        for (int i = 0; i < 120; i++) mesh.Tick();
        Assert.True(mesh.Converged(), mesh.Describe());
        Assert.All(mesh.Peers, p => Assert.Equal(new SharedOwner(3, 2), p.State()[new SharedId(1, 1)].Owner));
        Assert.True(claimer.Shared.DestroysRefused >= 1);
    }

    private static byte[] Message(byte kind, SharedId id, SharedOwner claim)
    {
        var bytes = new byte[SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.ClaimBytes];
        bytes[0] = kind;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), ShipBodySerializer.NetworkTypeId);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(3), id.Creator);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(11), id.Serial);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(15), claim.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(19), claim.Peer);
        return bytes;
    }
}
