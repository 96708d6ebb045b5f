using System.Diagnostics.Metrics;
using System.Numerics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>Shared authority and the peer mesh report on the assembly's meter like the transport and replication do.</summary>
public class PeerMetricsTests
{
    [Fact]
    public void Refusals_jumps_cuts_and_refused_links_are_measured_on_the_assemblys_meter_per_peer()
    {
        // Before: SharedAuthority and PeerMesh kept these counts in properties only; nothing reached dotnet-counters or
        // OpenTelemetry, so an operator never saw a peer being attacked. (Other tests' meshes count on the same static
        // instruments in parallel: each sum here is at least what this mesh caused.)
        var sums = new Dictionary<(string Instrument, object? Peer, object? Reason), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name.StartsWith("traktor.peers.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            object? peer = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == PeerMetrics.PeerTag) peer = tag.Value;
                if (tag.Key == PeerMetrics.ReasonTag) reason = tag.Value;
            }

            lock (sums) sums[(instrument.Name, peer, reason)] = sums.GetValueOrDefault((instrument.Name, peer, reason)) + value;
        });
        listener.Start();
        long Sum(string name, ulong peer, string? reason = null)
        {
            lock (sums) return sums.GetValueOrDefault((name, (object?)peer, (object?)reason));
        }

        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 31);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var (honest1, honest2, hostile) = (mesh.Peers[0], mesh.Peers[1], mesh.Peers[2]);
        honest1.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
        Assert.True(mesh.TickUntil(mesh.Converged, 600));
        Assert.True(Sum("traktor.peers.writes.applied", 2) >= 1);

        // A claim jump, then writes introducing more entities than peer 3's share, then forged writes until it is cut.
        uint jump = SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxClaimStep + 5;
        // (its first write for the entity on this link is a re-base, not checked: a stale one uses it up)
        Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(1, 1, 1, claimant: 3, sequence: 1, Vector2.Zero)));
        Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(1, 1, jump, claimant: 3, sequence: 1, Vector2.Zero)));
        mesh.TickUntil(() => honest1.Shared.ClaimJumps == 1, 60);
        Assert.Equal(1, honest1.Shared.ClaimJumps);
        for (int i = 0; i < honest1.Shared.MaxEntitiesPerPeer + 3; i++)
        {
            Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(3, (uint)(100 + i), 1, claimant: 3, sequence: 1, Vector2.Zero)));
        }

        Assert.True(mesh.TickUntil(() => honest1.Shared.OverBudget == 3, 600), mesh.Describe());
        for (int i = 0; i < 20; i++) Assert.True(hostile.Mesh.Send(1, ChannelKind.ReliableOrdered, SharedAuthorityAbuseTests.Write(1, 1, 1, claimant: 1, sequence: 9, Vector2.Zero)));
        Assert.True(mesh.TickUntil(() => honest1.Shared.PeersCut == 1, 600), mesh.Describe());

        // A link the wrong way (peer 1 connects to peer 2's server, where peer 2 connects to peer 1): cut as soon as it is up.
        mesh.OpenRogueLink(from: 1, to: 2);
        Assert.True(mesh.TickUntil(() => honest2.Mesh.LinksRefused == 1, 600), mesh.Describe());

        Assert.True(Sum("traktor.peers.writes.refused", 1, "claim_jump") >= 1);
        Assert.True(Sum("traktor.peers.writes.refused", 1, "over_budget") >= 3);
        Assert.True(Sum("traktor.peers.writes.refused", 1, "malformed") >= SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>.MaxRefusedWrites);
        Assert.True(Sum("traktor.peers.cut", 1) >= 1);
        Assert.True(Sum("traktor.peers.links.refused", 2) >= 1);
        Assert.True(Sum("traktor.peers.writes.applied", 1) >= honest1.Shared.MaxEntitiesPerPeer);
    }
}
