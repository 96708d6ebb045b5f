using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The resend policy of docs/TRANSPORT.md ("Resend timing"), tried by counting: on the harness's fake clock a message
/// sent into a dead link is resent exactly when the retransmission timeout says, the timeout doubling from its base with
/// every firing up to its written cap, and the first ack after the link returns puts it back to its base.
/// </summary>
public class ResendTimerTests
{
    private const double StepMs = 4;

    /// <summary>60 ms one way without jitter: a base timeout near 170 ms, so 64 × base is beyond the 8 s cap.</summary>
    private static LinkConditions Link() => new() { LatencyMs = 60 };

    private static (TransportHarness Harness, NetClient Client) Connected()
    {
        var h = new TransportHarness(Link());
        var client = h.AddClient(Link());
        client.Connect(h.IssueToken(1, timeoutSeconds: 60));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        for (int i = 0; i < 120; i++) h.Step(); // two seconds of keep-alives and their acks: the round trip settles
        h.DrainServer();
        return (h, client);
    }

    private static double Now(TransportHarness h) => h.Time.GetTimestamp() / (double)h.Time.TimestampFrequency;

    [Fact]
    public void A_message_into_a_dead_link_is_resent_at_the_doubling_timeout_up_to_its_cap_and_promptly_once_the_link_returns()
    {
        var (h, client) = Connected();
        using var _ = h;
        h.ServerLink.Conditions.LossPercent = 100;
        h.ClientLinks[0].Conditions.LossPercent = 100;
        // What was in flight when the link died may still land, and an ack among it may be a round-trip sample (an idle
        // end flags an ack for one each second): the base is read once nothing can come back.
        for (int i = 0; i < 50; i++) h.Step(StepMs);
        double baseTimeout = client.BaseRetransmissionTimeout;
        Assert.InRange(baseTimeout, 0.125, 0.3); // 64 × base passes the 8 s cap
        Assert.Equal(baseTimeout, client.RetransmissionTimeout);

        Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, [1, 2, 3]));
        h.Step(StepMs);
        double sentAt = Now(h);
        long resends = client.GetStats().Resends;
        var intervals = new List<double>();
        var timeouts = new List<double>();
        double lastSend = sentAt;
        while (Now(h) - sentAt < 40)
        {
            h.Step(StepMs);
            long now = client.GetStats().Resends;
            if (now == resends) continue;
            Assert.Equal(resends + 1, now); // one message: one resend per firing
            resends = now;
            intervals.Add(Now(h) - lastSend);
            timeouts.Add(client.RetransmissionTimeout);
            lastSend = Now(h);
        }
        Assert.Equal(baseTimeout, client.BaseRetransmissionTimeout); // nothing came back: no sample moved the base

        // The k-th resend waits min(base × 2^(k−1), 8 s) after the (k−1)-th send, late by at most one update; the timer
        // then stands at min(base × 2^min(k, 6), 8 s).
        var expected = new List<double>();
        for (double total = 0; ;)
        {
            double wait = Math.Min(baseTimeout * (1 << Math.Min(expected.Count, CongestionWindow.MaxBackoff)), CongestionWindow.MaxTimeout);
            if (total + wait > 40) break;
            total += wait;
            expected.Add(wait);
        }
        Assert.Equal(9, expected.Count); // 6 doublings to 5.4 s, then the cap three times within 40 s
        Assert.Equal(expected.Count, intervals.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            Assert.InRange(intervals[k], expected[k] - 1e-9, expected[k] + StepMs / 1000 + 1e-9);
            double timer = Math.Min(baseTimeout * (1 << Math.Min(k + 1, CongestionWindow.MaxBackoff)), CongestionWindow.MaxTimeout);
            Assert.Equal(timer, timeouts[k], 9);
        }
        Assert.Equal(CongestionWindow.MaxTimeout, client.RetransmissionTimeout);

        // The link returns. The first packet from the server acknowledges packets of the client's sent before the
        // outage, whose acks the outage swallowed: the path delivers, so the timer is back at its base, which the message
        // (last sent seconds ago) has long passed: it is resent in that very update, not a backed-off 8 s later
        // (before, only the ack of a packet carrying reliable records reset the back-off, and none had come).
        h.ServerLink.Conditions.LossPercent = 0;
        h.ClientLinks[0].Conditions.LossPercent = 0;
        long resendsBefore = client.GetStats().Resends;
        long received = client.GetStats().PacketsReceived;
        Assert.True(h.RunUntil(() => client.GetStats().PacketsReceived > received, maxSteps: 100, stepMs: StepMs));
        Assert.Equal(resendsBefore + 1, client.GetStats().Resends);
        Assert.Equal(1, client.RetransmissionBackoff); // reset, then fired once on the message
        Assert.Equal(2 * client.BaseRetransmissionTimeout, client.RetransmissionTimeout, 9);
        double resentAt = Now(h);
        Assert.True(h.RunUntil(() => h.DrainServer().Any(e => e.Type == NetEventType.Message), maxSteps: 100, stepMs: StepMs));
        // Now(h) is seconds since year 1 in a double, so its differences come in steps of 2^-17 s (7.6 µs).
        Assert.InRange(Now(h) - resentAt, 0.06 - 1e-5, 0.06 + 2 * StepMs / 1000);
        for (int i = 0; i < 100; i++) h.Step(StepMs);
        Assert.Equal(resendsBefore + 1, client.GetStats().Resends); // one try was enough
        Assert.Equal(0, client.RetransmissionBackoff);
        Assert.Equal(client.BaseRetransmissionTimeout, client.RetransmissionTimeout);
    }

    [Fact]
    public void The_ack_of_a_packet_without_reliable_records_resets_the_back_off()
    {
        var congestion = new CongestionWindow(1200);
        var sent = new SentPackets(congestion);
        var statistics = new ConnectionStatistics();
        var pool = new MessageBufferPool(1159);
        var ordered = new ReliableSendChannel(ChannelKind.ReliableOrdered, pool);
        var unordered = new ReliableSendChannel(ChannelKind.ReliableUnordered, pool);
        var receipts = new NoReceipts();
        sent.Ordered[0] = 0;
        sent.Record(0, now: 0, orderedCount: 1, unorderedCount: 0, receiptCount: 0, datagramBytes: 100, eliciting: true, statistics, receipts);
        Assert.True(sent.ExpireTimedOut(1, congestion.Timeout(statistics), ordered, unordered));
        Assert.Equal(1, congestion.Backoff);
        sent.Ordered[0] = 0;
        sent.Record(1, now: 1, orderedCount: 1, unorderedCount: 0, receiptCount: 0, datagramBytes: 100, eliciting: true, statistics, receipts);
        Assert.True(sent.ExpireTimedOut(2, congestion.Timeout(statistics), ordered, unordered));
        Assert.Equal(2, congestion.Backoff);
        Assert.Equal(4 * CongestionWindow.InitialTimeout, congestion.Timeout(statistics), 9);

        sent.Record(2, now: 2, orderedCount: 0, unorderedCount: 0, receiptCount: 0, datagramBytes: 40, eliciting: true, statistics, receipts); // a keep-alive
        sent.Acknowledge(2, now: 2.1, sample: true, statistics, ordered, unordered, receipts);
        Assert.Equal(0, congestion.Backoff);
        Assert.Equal(CongestionWindow.BaseTimeout(statistics), congestion.Timeout(statistics));
    }

    private sealed class NoReceipts : IReceiptSink
    {
        public void OnReceipt(uint receipt, bool delivered) { }
    }
}
