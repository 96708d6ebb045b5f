using System.Buffers.Binary;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The round-trip estimate behind the resend delay is not thrown by an outage. When both ways go dark, the peer's first
/// packet afterwards acknowledges the last packet it had before: that ack measures the outage, not the path, and taking
/// it held the resend delay at its 1 s bound for seconds after the link was back.
/// </summary>
public class RoundTripAfterOutageTests
{
    [Fact]
    public void A_sample_far_beyond_the_resend_delay_is_set_aside_but_a_slower_path_is_followed()
    {
        var statistics = new ConnectionStatistics();
        for (int i = 0; i < 50; i++) statistics.AddRttSample(0.1);
        double delay = statistics.ResendDelay;

        statistics.AddRttSample(3.0); // an ack held back by an outage
        Assert.Equal(delay, statistics.ResendDelay);
        Assert.Equal(0.1, statistics.SmoothedRtt, 6);

        // The path itself became slower: a few samples are set aside while the bound doubles, then they count.
        for (int i = 0; i < 10; i++) statistics.AddRttSample(0.8);
        Assert.True(statistics.SmoothedRtt > 0.3, $"smoothed round trip {statistics.SmoothedRtt:F3} s did not follow the slower path");
    }

    [Fact]
    public void The_round_trip_estimate_after_three_seconds_dark_both_ways_is_the_paths()
    {
        var link = new LinkConditions { LatencyMs = 50 };
        using var h = new TransportHarness(link, seed: 5);
        var client = h.Connect(1, link, seed: 6);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        var message = new byte[8];
        for (int step = 0; step < 60; step++) Send(h, client, connection, message, step);
        double before = client.GetStats().RoundTripTimeMs;
        Assert.InRange(before, 90, 160);

        h.ServerLink.Conditions.LossPercent = 100;
        h.ClientLinks[0].Conditions.LossPercent = 100;
        for (int step = 0; step < 3000 / 16; step++) Send(h, client, connection, message, step);
        h.ServerLink.Conditions.LossPercent = 0;
        h.ClientLinks[0].Conditions.LossPercent = 0;
        for (int step = 0; step < 30; step++) Send(h, client, connection, message, step);

        double after = client.GetStats().RoundTripTimeMs;
        Assert.True(after < 1.5 * before, $"round trip {after:F0} ms after the outage, {before:F0} ms before");
        Assert.True(h.RunUntil(() => client.GetStats().PendingReliable == 0), "the messages queued in the dark were not delivered");
        TransportHarness.DrainClient(client);
    }

    /// <summary>A step of traffic both ways: the server's own packets carry its newest ack the moment the link is back.</summary>
    private static void Send(TransportHarness h, NetClient client, ConnectionId connection, byte[] message, int step)
    {
        BinaryPrimitives.WriteInt32LittleEndian(message, step);
        Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, message));
        Assert.Equal(SendResult.Queued, h.Server.Send(connection, ChannelKind.ReliableOrdered, message));
        h.Step();
        h.DrainServer();
    }
}
