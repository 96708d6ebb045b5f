using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Only an ack-eliciting payload (messages, or an ack-only payload flagged so, docs/PROTOCOL.md §6) obliges its receiver to
/// acknowledge it. Before, any payload did, so an idle pair acknowledged each other's acknowledgements without end.
/// </summary>
public class AckElicitingTests
{
    private const double StepMs = 16;

    [Fact]
    public void An_idle_pair_sends_a_keep_alive_and_its_acknowledgement_each_interval_not_acks_of_acks()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1, record: true);
        h.DrainServer();
        h.ServerWire.Enabled = true;
        for (int step = 0; step < 20; step++) h.Step(StepMs); // what the connect left owed settles
        h.ServerWire.Sent.Clear();
        h.ClientWires[0].Sent.Clear();
        var serverAt = new List<int>();
        var clientAt = new List<int>();
        const int steps = 125; // 2 s: 20 keep-alive intervals
        for (int step = 0; step < steps; step++)
        {
            h.Step(StepMs);
            if (h.ServerWire.Sent.Count > 0) serverAt.Add(step);
            if (h.ClientWires[0].Sent.Count > 0) clientAt.Add(step);
            h.ServerWire.Sent.Clear();
            h.ClientWires[0].Sent.Clear();
        }

        // Before, each side sent a packet every 3 ticks (about 42 each in 2 s): every ack made its receiver owe one back.
        int intervals = (int)(steps * StepMs / 100);
        Assert.True(serverAt.Count + clientAt.Count <= 2 * intervals + 2,
            $"server sent in {serverAt.Count} ticks, client in {clientAt.Count}, over {intervals} keep-alive intervals");
        // Each side is still heard from every keep-alive interval (plus the tick it waits for), so neither times out.
        AssertGapsAtMost(serverAt, steps, 100 + StepMs);
        AssertGapsAtMost(clientAt, steps, 100 + StepMs);
        Assert.Equal(ClientState.Connected, client.State);
    }

    [Fact]
    public void Idle_keep_alives_still_measure_the_round_trip()
    {
        var link = new LinkConditions { LatencyMs = 20 };
        using var h = new TransportHarness(link);
        var client = h.Connect(1, link);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        MeasureWithMessages(h, client, connection);
        // Idle for 3 s after the path got slower: the keep-alives' acknowledgements are the only samples.
        h.ServerLink.Conditions.LatencyMs = 80;
        h.ClientLinks[0].Conditions.LatencyMs = 80;
        for (int step = 0; step < 190; step++) h.Step(StepMs);

        Assert.True(h.Server.TryGetStats(connection, out var server));
        var measured = new[] { server.RoundTripTimeMs, client.GetStats().RoundTripTimeMs };
        // 160 ms of path (40 before it changed), and up to three 16 ms ticks of waiting (for each end's update, and the
        // ack delay); an acknowledgement held to the peer's own next keep-alive would read up to 100 ms more.
        Assert.True(measured.Min() > 150 && measured.Max() < 230, $"round trips {measured[0]:F0} / {measured[1]:F0} ms");
    }

    [Fact]
    public void Both_ends_of_an_idle_pair_keep_measuring_the_round_trip()
    {
        var link = new LinkConditions { LatencyMs = 20 };
        using var h = new TransportHarness(link);
        var client = h.Connect(1, link);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        MeasureWithMessages(h, client, connection);
        // The path gets faster, then 20 s of idling. In this phase the server's keep-alive timer always fires first, so
        // the client only acknowledges; before its acks were flagged now and then, its round trip stayed at 78 ms (the
        // 40 ms path's) while the server's went down to 48 ms.
        h.ServerLink.Conditions.LatencyMs = 5;
        h.ClientLinks[0].Conditions.LatencyMs = 5;
        for (int step = 0; step < 1250; step++) h.Step(StepMs);

        Assert.True(h.Server.TryGetStats(connection, out var server));
        // 10 ms of path and up to three 16 ms ticks of waiting.
        Assert.InRange(server.RoundTripTimeMs, 10, 65);
        Assert.InRange(client.GetStats().RoundTripTimeMs, 10, 65);
    }

    [Fact]
    public void A_client_that_only_acknowledges_still_measures_the_round_trip()
    {
        var link = new LinkConditions { LatencyMs = 20 };
        using var h = new TransportHarness(link);
        var client = h.Connect(1, link);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        MeasureWithMessages(h, client, connection);
        h.ServerLink.Conditions.LatencyMs = 80;
        h.ClientLinks[0].Conditions.LatencyMs = 80;
        // The server sends every tick (snapshots do); the client sends nothing but acknowledgements, as an observer does.
        for (int step = 0; step < 190; step++)
        {
            h.Server.Send(connection, ChannelKind.Unreliable, [(byte)step]);
            h.Step(StepMs);
        }

        double rtt = client.GetStats().RoundTripTimeMs;
        Assert.InRange(rtt, 150, 230); // 40 ms before the path changed
    }

    /// <summary>Both ends send a message each tick for 1 s, so both measure the 40 ms path (what a later sample must move).</summary>
    private static void MeasureWithMessages(TransportHarness h, NetClient client, ConnectionId connection)
    {
        for (int step = 0; step < 60; step++)
        {
            client.Send(ChannelKind.Unreliable, [(byte)step]);
            h.Server.Send(connection, ChannelKind.Unreliable, [(byte)step]);
            h.Step(StepMs);
        }
        Assert.True(h.Server.TryGetStats(connection, out var server));
        Assert.InRange(server.RoundTripTimeMs, 35, 110);
        Assert.InRange(client.GetStats().RoundTripTimeMs, 35, 110);
    }

    private static void AssertGapsAtMost(List<int> ticks, int steps, double maxGapMs)
    {
        Assert.NotEmpty(ticks);
        var edges = ticks.Prepend(-1).Append(steps).ToList();
        for (int i = 1; i < edges.Count; i++)
        {
            double gap = (edges[i] - edges[i - 1]) * StepMs;
            Assert.True(gap <= maxGapMs, $"{gap} ms without a packet (ticks {string.Join(',', ticks)})");
        }
    }
}
