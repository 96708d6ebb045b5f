using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class ReliabilitySoakTests
{
    private static LinkConditions Hostile() => new()
    {
        LatencyMs = 100,
        JitterMs = 50,
        LossPercent = 30,
        DuplicatePercent = 5,
        ReorderPercent = 5,
    };

    /// <summary>
    /// <see cref="Conformance.ReliabilityConformanceTests.Pump"/> (numbered messages client → server, order and uniqueness
    /// checked as they arrive), with the virtual time it took at the harness's 16 ms a step.
    /// </summary>
    private static (int Received, double VirtualSeconds) Pump(TransportHarness h, NetClient client, ChannelKind channel, int total,
        Action<int, int>? onStep = null, int maxSteps = 200_000)
    {
        int steps = 0;
        int received = Conformance.ReliabilityConformanceTests.Pump(h, client, channel, total, (step, receivedSoFar) =>
        {
            steps = step + 1;
            onStep?.Invoke(step, receivedSoFar);
        }, maxSteps);
        return (received, steps * 0.016);
    }

    [Fact]
    public void ReliableOrdered_delivers_100000_messages_once_in_order_over_a_hostile_link()
    {
        using var h = new TransportHarness(Hostile(), seed: 11);
        var client = h.Connect(1, Hostile(), seed: 12);
        h.DrainServer();
        // The loss estimate is read halfway: a packet counts as lost only 64 packets after it was sent, and at the end of
        // the transfer the congestion-controlled sender's packets thin out, so its last losses are not counted yet.
        double lossHalfway = double.NaN;
        var (received, virtualSeconds) = Pump(h, client, ChannelKind.ReliableOrdered, 100_000, (_, receivedSoFar) =>
        {
            if (double.IsNaN(lossHalfway) && receivedSoFar >= 50_000) lossHalfway = client.GetStats().PacketLossPercent;
        });
        Assert.Equal(100_000, received);
        Assert.Equal(ClientState.Connected, client.State);
        // The transfer keeps moving under 30 % loss both ways: 100,000 messages in at most 100 virtual seconds (85 now).
        // The wall-clock bound this replaced measured the machine, not the transport.
        Assert.True(virtualSeconds < 100, $"took {virtualSeconds:F1} virtual seconds");
        var stats = client.GetStats();
        Assert.InRange(lossHalfway, 20, 50); // the link drops 30%
        Assert.True(stats.Resends > 0);
    }

    [Fact]
    public void ReliableUnordered_delivers_every_message_exactly_once_over_a_hostile_link()
    {
        using var h = new TransportHarness(Hostile(), seed: 21);
        var client = h.Connect(1, Hostile(), seed: 22);
        h.DrainServer();
        Assert.Equal(20_000, Pump(h, client, ChannelKind.ReliableUnordered, 20_000).Received);
    }

    [Fact]
    public void Reliable_channel_recovers_after_three_seconds_of_total_loss()
    {
        using var h = new TransportHarness(Hostile(), seed: 31);
        var client = h.Connect(1, Hostile(), seed: 32);
        h.DrainServer();
        int blackoutStart = 300, blackoutSteps = (int)(3000 / 16.0);
        int? recoveredAt = null;
        int receivedWhenLinkCameBack = -1;
        var (received, _) = Pump(h, client, ChannelKind.ReliableOrdered, 30_000, (step, receivedSoFar) =>
        {
            bool dark = step >= blackoutStart && step < blackoutStart + blackoutSteps;
            double loss = dark ? 100 : 30;
            h.ServerLink.Conditions.LossPercent = loss;
            h.ClientLinks[0].Conditions.LossPercent = loss;
            if (step == blackoutStart + blackoutSteps) receivedWhenLinkCameBack = receivedSoFar;
            else if (receivedWhenLinkCameBack >= 0 && recoveredAt is null && receivedSoFar > receivedWhenLinkCameBack) recoveredAt = step;
        });
        Assert.Equal(30_000, received);
        Assert.NotNull(recoveredAt);
        // Delivery resumes within 1.5 s of the link coming back (resend delay is capped at 1 s).
        Assert.True((recoveredAt!.Value - blackoutStart - blackoutSteps) * 16 < 1500, $"recovered after {(recoveredAt.Value - blackoutStart - blackoutSteps) * 16} ms");
    }

    [Fact]
    public void Sequences_wrap_past_65535_without_a_stall()
    {
        using var h = new TransportHarness(new() { LatencyMs = 20, LossPercent = 10 }, seed: 41);
        var client = h.Connect(1, new() { LatencyMs = 20, LossPercent = 10 }, seed: 42);
        h.DrainServer();
        // 64 unreliable 1 KiB messages per update fill 64 packets per update: 70,000 packets in ~1,100 updates,
        // while reliable messages (ids wrap too after 65,536 of them) keep flowing in order.
        var filler = new byte[1000];
        int sentReliable = 0, receivedReliable = 0;
        Span<byte> message = stackalloc byte[4];
        for (int step = 0; step < 1400; step++)
        {
            for (int i = 0; i < 63; i++) client.Send(ChannelKind.Unreliable, filler);
            for (int i = 0; i < 60; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(message, sentReliable++);
                client.Send(ChannelKind.ReliableOrdered, message);
            }
            h.Step();
            while (h.Server.TryPollEvent(out var e))
            {
                if (e.Type != NetEventType.Message || e.Channel != ChannelKind.ReliableOrdered) continue;
                Assert.Equal(receivedReliable++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
            }
        }
        Assert.True(client.GetStats().PacketsSent > 70_000, $"only {client.GetStats()} packets, {receivedReliable}/{sentReliable}");
        Assert.True(h.RunUntil(() =>
        {
            while (h.Server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Message && e.Channel == ChannelKind.ReliableOrdered)
                    Assert.Equal(receivedReliable++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
            }
            return receivedReliable == sentReliable;
        }, maxSteps: 500), $"{client.GetStats()} {receivedReliable}/{sentReliable}");
        Assert.True(sentReliable > 65_536);
        // Acks keep working across the wrap: resends stay near the 10% loss rate instead of resending everything.
        Assert.True(client.GetStats().Resends < sentReliable / 4, $"{client.GetStats().Resends} resends for {sentReliable} messages");
    }
}
