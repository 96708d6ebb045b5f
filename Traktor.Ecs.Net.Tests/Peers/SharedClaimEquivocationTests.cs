using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile peer telling one honest peer about claims the others never hear of (equivocation across links,
/// docs/SECURITY.md "Equivocation in shared authority"): the claims it makes reach every honest peer anyway, relayed.
/// </summary>
public class SharedClaimEquivocationTests(ITestOutputHelper output)
{
    private const uint MaxStep = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxClaimStep;

    [Fact]
    public void Claim_jumps_sent_to_one_peer_only_do_not_lock_it_out_of_an_entity_the_others_keep()
    {
        // Before: peer 4 sent peer 1, and only peer 1, claims on peer 2's entity 1,024 versions apart (each inside the
        // window). Peer 1 took peer 4 for the owner at version 4,097 and ignored every write of the real owner (stale at
        // version 1), while peers 2 and 3 never heard of the claim: the owner kept moving the entity, peer 1 kept peer 4's
        // copy for good, and the owner had no way to know (RequestOwnership on an entity it owns claims nothing).
        using var mesh = new SharedMesh(4, new LinkConditions(), seed: 41);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 3), 600));
        var (victim, owner, bystander, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2], mesh.Peers[3]);
        var body = owner.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });
        var id = new SharedId(2, 1);
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        // The owner's game takes its entity back whenever it learns it lost it, and keeps moving it.
        int tick = 0;
        void Play(bool move = true)
        {
            if (!owner.Shared.IsOwner(body)) owner.Shared.RequestOwnership(body);
            if (move && owner.Shared.IsOwner(body)) owner.World.Get<ShipBody>(body).Position = new Vector2(2, tick++ % 100);
            mesh.Tick();
        }

        // A stale write first uses up the re-base of peer 4's link (the first write for an entity on a link is not window-checked).
        Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(2, 1, 1, claimant: 4, sequence: 1, new Vector2(9, 9))));
        for (uint step = 1; step <= 4; step++)
        {
            Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(2, 1, 1 + step * MaxStep, claimant: 4, sequence: 1, new Vector2(9, 9))));
            for (int i = 0; i < 10; i++) Play();
        }

        // The hostile peer stops; the honest ones must agree on the owner and the state of the entity again.
        var honest = new[] { victim, owner, bystander };
        bool Agree() => honest.All(p => p.State().TryGetValue(id, out var s) && owner.State().TryGetValue(id, out var o)
            && s.Owner == o.Owner && ShipBodySerializer.SnapshotEquals(s.Body, o.Body));
        for (int i = 0; i < 300 && !(Agree() && owner.Shared.IsOwner(body)); i++) Play(move: i < 30);
        string views = string.Join("; ", honest.Select(p => $"peer {p.Mesh.PeerId}: {p.State()[id].Owner} at {p.World.Get<ShipBody>(p.Entities().Single(e => p.World.Get<SharedId>(e) == id)).Position}"));
        output.WriteLine(views);
        Assert.True(Agree(), views);
        Assert.True(owner.Shared.IsOwner(body), views);
        Assert.True(owner.World.Get<SharedOwner>(body).Version > 1 + 4 * MaxStep, views);   // it learned of the claims and outranked them
        Assert.All(honest, p => Assert.Equal(0, p.Shared.ClaimJumps));
        Assert.True(victim.Shared.ClaimsRelayed >= 4, $"peer 1 relayed {victim.Shared.ClaimsRelayed} claims");
    }

    [Fact]
    public void Reconnecting_buys_no_re_base_jump_past_the_peers_the_victim_stayed_linked_to()
    {
        // Before: the first write for an entity on a new link was a re-base, never window-checked. Peer 4 reconnected its
        // link to peer 1 and sent it alone a claim 2^30 versions ahead on peer 2's entity; peer 1 adopted it and relayed it
        // (the first time, its relay was a re-base for the others too, so all jumped together and the owner took the entity
        // back one version higher), then did it again: peer 1's second relay was no re-base for peers 2 and 3, they refused
        // it as a jump, and peer 1 held (4, 2^31) against their (2, 2^30 + 2) until its links to them restarted. A re-base
        // is for a peer that heard nobody else while the link was down; peer 1 stayed linked to peers 2 and 3 throughout,
        // so a far claim on peer 4's new link alone is refused (a second link saying the same would re-base it).
        using var mesh = new SharedMesh(4, new LinkConditions(), seed: 43);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 3), 600));
        var (victim, owner, bystander, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2], mesh.Peers[3]);
        var body = owner.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });
        var id = new SharedId(2, 1);
        Assert.True(mesh.TickUntil(mesh.Converged, 600));

        // Peer 4 drives its link to peer 1 by hand from now on (its game stops), so each jump is the first it sends there.
        mesh.Killed.Add(hostile);
        var link = mesh.Links[(4, 1)];
        var honest = new[] { victim, owner, bystander };
        for (uint round = 1; round <= 2; round++)
        {
            mesh.Reconnect(4, 1);
            bool sent = false;
            for (int i = 0; i < 600 && !sent; i++)
            {
                mesh.Tick();
                link.Update();
                while (link.TryPollEvent(out _))
                {
                }

                if (link.State != ClientState.Connected || !victim.Mesh.ConnectedPeers.Contains(4UL)) continue;
                uint jump = owner.State()[id].Owner.Version + (1u << 30);
                Assert.Equal(SendResult.Queued, link.Send(ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(2, 1, jump, claimant: 4, sequence: 1, new Vector2(9, 9))));
                link.Flush();
                sent = true;
            }

            Assert.True(sent, mesh.Describe());

            // The owner's game takes its entity back if it ever learns it lost it, and moves it; the honest peers agree on it.
            bool Agree() => owner.Shared.IsOwner(body) && honest.All(p => p.State()[id].Owner == owner.State()[id].Owner
                && ShipBodySerializer.SnapshotEquals(p.State()[id].Body, owner.State()[id].Body));
            for (int i = 0; i < 300 && !(i > 30 && Agree()); i++)
            {
                if (!owner.Shared.IsOwner(body)) owner.Shared.RequestOwnership(body);
                if (i == 30) owner.World.Get<ShipBody>(body).Position = new Vector2(20, 20 + round);
                mesh.Tick();
            }

            string views = string.Join("; ", honest.Select(p => $"peer {p.Mesh.PeerId}: {p.State()[id].Owner}"));
            Assert.True(Agree(), $"round {round}: {views}");
        }

        Assert.Equal(new SharedOwner(2, 1), owner.State()[id].Owner);   // never moved: peer 1 refused both jumps
        Assert.Equal(2, victim.Shared.ClaimJumps);
    }
}
