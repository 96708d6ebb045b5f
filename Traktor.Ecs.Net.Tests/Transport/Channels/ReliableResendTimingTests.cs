using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Transport.Channels;

/// <summary>
/// <see cref="ReliableSendChannel"/> against a reference model: at every pass, exactly the messages never sent and those
/// whose last send is at least the resend delay old are written — none early, none late — whatever the packets' room,
/// the acknowledgements in between, and a resend delay that changes as the round trip is measured. When a pass may send
/// only so many packets (<see cref="NetPeerOptions.MaxPacketsPerUpdate"/>), the due messages it writes are those of the
/// oldest ids: the oldest unacknowledged message is the one an ordered receiver waits for.
/// </summary>
public class ReliableResendTimingTests
{
    [Theory]
    [InlineData(1, false, 0)]
    [InlineData(2, false, 0)]
    [InlineData(3, true, 0)]
    [InlineData(4, true, 0)]
    [InlineData(5, true, 2)]
    [InlineData(6, true, 1)]
    public void Every_message_is_resent_exactly_when_due(int seed, bool delayChanges, int maxPacketsPerPass)
    {
        var random = new Random(seed);
        var channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool(1_159));
        var lastSent = new SortedDictionary<ushort, double>(); // the model: unacknowledged messages and their last send (NaN: never)
        ushort nextId = 0;
        long expectedResends = 0;
        int cutShort = 0;
        double now = 0;
        double delay = 0.2;
        var packet = new byte[1200];
        var sentIds = new ushort[maxPacketsPerPass > 0 ? 4 : 8];
        var message = new byte[24];

        for (int pass = 0; pass < 3000; pass++)
        {
            now += random.Next(1, 25) / 1000.0;
            // The delay follows the measured round trip: it shrinks after the first sample and moves with jitter.
            if (delayChanges && random.Next(40) == 0) delay = random.Next(30, 300) / 1000.0;

            // A pass cut short by the cap leaves due messages for the next: more traffic, so that it happens.
            for (int i = random.Next(maxPacketsPerPass > 0 ? 8 : 3); i > 0 && channel.Unacknowledged < 900; i--)
            {
                channel.Enqueue(message, 1100);
                lastSent[nextId++] = double.NaN;
            }

            // Due, oldest id first (ids stay below 65,536 here, so id order is the window's order).
            var expected = lastSent.Where(m => double.IsNaN(m.Value) || now - m.Value >= delay).Select(m => m.Key).ToList();

            // Small packets: a pass takes several, and each continues where the last one stopped.
            var written = new List<ushort>();
            channel.BeginSendPass(now);
            bool capped = false;
            for (int packets = 0; ; packets++)
            {
                if (maxPacketsPerPass > 0 && packets == maxPacketsPerPass)
                {
                    capped = true;
                    break;
                }
                int count = 0;
                int bytes = channel.WriteDue(packet, now, delay, sentIds, ref count);
                Assert.Equal(bytes == 0, count == 0);
                if (count == 0) break;
                written.AddRange(sentIds.AsSpan(0, count).ToArray());
            }

            Assert.Equal(written.Count, written.Distinct().Count());
            // A pass cut short by the cap writes the oldest due ids; one that ran out writes every due id.
            var wanted = capped ? expected.Take(written.Count).ToList() : expected;
            if (capped && written.Count < expected.Count) cutShort++;
            Assert.True(wanted.SequenceEqual(written.Order()), $"pass {pass} at {now:F3} s, delay {delay:F3} s: expected [{string.Join(',', wanted)}], written [{string.Join(',', written.Order())}]");
            foreach (ushort id in written)
            {
                if (!double.IsNaN(lastSent[id])) expectedResends++;
                lastSent[id] = now;
            }

            // Acknowledge some of what was sent, as packets arrive (in any order).
            foreach (ushort id in lastSent.Keys.Where(id => !double.IsNaN(lastSent[id]) && random.Next(maxPacketsPerPass > 0 ? 3 : 6) == 0).ToList())
            {
                channel.Acknowledge(id);
                lastSent.Remove(id);
            }
            Assert.True(channel.Unacknowledged >= lastSent.Count); // it counts the window's span, holes included
        }

        Assert.Equal(expectedResends, channel.Resends);
        Assert.True(expectedResends > 100, $"only {expectedResends} resends: the model did not exercise resends");
        if (maxPacketsPerPass > 0) Assert.True(cutShort > 10, $"only {cutShort} passes were cut short by the cap: the model did not exercise it");
    }

    [Fact]
    public void A_message_is_resent_as_soon_as_a_shrunk_delay_allows_and_not_before_a_grown_one()
    {
        var channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool(1_159));
        channel.Enqueue(new byte[8], 1100);
        Assert.Equal([(ushort)0], Pass(channel, 0.0, 0.5));
        Assert.Empty(Pass(channel, 0.04, 0.5));
        // The round trip was measured shorter: the message is due 50 ms after its send, not 500 ms.
        Assert.Equal([(ushort)0], Pass(channel, 0.06, 0.05));
        // Longer again: not due 100 ms or 240 ms after its last send, due after 300 ms.
        Assert.Empty(Pass(channel, 0.16, 0.3));
        Assert.Empty(Pass(channel, 0.3, 0.3));
        Assert.Equal([(ushort)0], Pass(channel, 0.36, 0.3));
        Assert.Equal(2, channel.Resends);
    }

    private static List<ushort> Pass(ReliableSendChannel channel, double now, double delay)
    {
        var written = new List<ushort>();
        var packet = new byte[1200];
        var sentIds = new ushort[8];
        channel.BeginSendPass(now);
        while (true)
        {
            int count = 0;
            channel.WriteDue(packet, now, delay, sentIds, ref count);
            if (count == 0) return written;
            written.AddRange(sentIds.AsSpan(0, count).ToArray());
        }
    }
}
