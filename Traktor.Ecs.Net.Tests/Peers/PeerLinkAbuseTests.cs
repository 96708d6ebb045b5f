using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile but authenticated peer of a shared-authority mesh playing with the links themselves (docs/SECURITY.md,
/// "Peer-to-peer"): links in the wrong direction, second links, and leaving and coming back to wipe its record.
/// </summary>
public class PeerLinkAbuseTests(ITestOutputHelper output)
{
    private const int MaxRefused = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxRefusedWrites;

    [Fact]
    public void A_link_from_a_lower_id_is_refused_so_a_peer_cannot_hold_two_links_and_wipe_its_strikes_with_one()
    {
        // Before: peer 3 accepted a second link from peer 2 (which it already links to, as the higher id): it listed peer 2
        // twice, and each time peer 2 dropped the extra link peer 3 took it for gone and forgot its strikes, so peer 2 sent
        // 15 forged writes per extra link for ever and was never cut.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 11);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (hostile, honest3) = (mesh.Peers[1], mesh.Peers[2]);

        var rogue = mesh.OpenRogueLink(from: 2, to: 3);
        for (int round = 0; round < 5; round++)
        {
            if (round > 0) mesh.ReconnectRogue(rogue, from: 2, to: 3);
            bool sent = false;
            for (int i = 0; i < 30 && rogue.State != ClientState.Disconnected; i++)
            {
                mesh.Tick();
                if (rogue.State != ClientState.Connected || sent) continue;
                sent = true;
                for (int w = 0; w < MaxRefused - 1; w++) rogue.Send(ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(2, 1, version: 0, claimant: 2, sequence: 1, Vector2.Zero));
            }

            output.WriteLine($"round {round}: rogue link {rogue.State} ({rogue.LastDisconnectReason}), peer 3 lists [{string.Join(", ", honest3.Mesh.ConnectedPeers)}], refused {honest3.Shared.Refused}, cut {honest3.Shared.PeersCut}");
            Assert.Equal(ClientState.Disconnected, rogue.State);
            Assert.Equal(DisconnectReason.Rejected, rogue.LastDisconnectReason);   // peer 3 told it why
            Assert.Equal([1UL, 2UL], honest3.Mesh.ConnectedPeers.Order());        // one link per peer, its own to peer 2
        }

        Assert.Equal(5, honest3.Mesh.LinksRefused);
        Assert.Equal(0, honest3.Shared.Refused);   // nothing sent on a refused link is read
        Assert.Contains(3UL, hostile.Mesh.ConnectedPeers);

        // The real links still carry the game.
        var body = hostile.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) });
        Assert.True(mesh.TickUntil(() => honest3.Shared.Count == 1 && mesh.Converged(), 600), mesh.Describe());
        Assert.True(hostile.World.IsAlive(body));
    }

    [Fact]
    public void A_peer_keeps_its_strikes_across_its_links_so_reconnecting_buys_no_new_budget()
    {
        // Before: strikes were forgotten when a link ended. Peer 3 (hostile) sent 15 forged writes on its link to peer 2,
        // connected again with a fresh token, and sent 15 more, round after round: 45 refused writes and never cut.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 12);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest2, hostile) = (mesh.Peers[1], mesh.Peers[2]);
        var link = mesh.Links[(3, 2)];

        for (int round = 0; round < 3 && honest2.Shared.PeersCut == 0; round++)
        {
            if (round > 0)
            {
                mesh.Reconnect(3, 2);   // a fresh token: a new link
                Assert.True(mesh.TickUntil(() => link.State == ClientState.Connected && honest2.Mesh.ConnectedPeers.Contains(3UL), 600), mesh.Describe());
            }

            long before = honest2.Shared.Refused;
            for (int w = 0; w < MaxRefused - 1; w++) Assert.True(hostile.Mesh.Send(2, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(3, 1, version: 0, claimant: 3, sequence: 1, Vector2.Zero)));
            Assert.True(mesh.TickUntil(() => honest2.Shared.Refused == before + MaxRefused - 1 || honest2.Shared.PeersCut > 0, 600), mesh.Describe());
            output.WriteLine($"round {round}: peer 2 refused {honest2.Shared.Refused}, cut {honest2.Shared.PeersCut}");
        }

        Assert.Equal(1, honest2.Shared.PeersCut);
        Assert.Equal(MaxRefused, honest2.Shared.Refused);   // the 16th write of its whole record, not of one link
        Assert.True(mesh.TickUntil(() => link.State == ClientState.Disconnected, 600));
        Assert.Equal(DisconnectReason.ProtocolViolation, link.LastDisconnectReason);

        // Coming back once the server's penalty for its address (30 s) is over does not clear the record either: the new
        // link is cut as soon as it is up.
        mesh.TickUntil(() => false, 60 * 31);
        mesh.Reconnect(3, 2);
        Assert.True(mesh.TickUntil(() => honest2.Shared.PeersCut == 2 && link.State == ClientState.Disconnected, 600), $"{mesh.Describe()}; link {link.State} {link.LastDisconnectReason}, cut {honest2.Shared.PeersCut}");
        Assert.Equal(DisconnectReason.ProtocolViolation, link.LastDisconnectReason);
        Assert.DoesNotContain(3UL, honest2.Mesh.ConnectedPeers);
        Assert.Equal(MaxRefused, honest2.Shared.Refused);
    }
}
