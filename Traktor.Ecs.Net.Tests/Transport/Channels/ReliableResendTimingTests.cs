using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Transport.Channels;

/// <summary>
/// <see cref="ReliableSendChannel"/> against a reference model: at every pass, exactly the messages never sent and those
/// whose last send is at least the resend delay old are written — none early, none late — whatever the packets' room,
/// the acknowledgements in between, and a resend delay that changes as the round trip is measured.
/// </summary>
public class ReliableResendTimingTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Every_message_is_resent_exactly_when_due(int seed, bool delayChanges)
    {
        var random = new Random(seed);
        var channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool());
        var lastSent = new Dictionary<ushort, double>(); // the model: unacknowledged messages and their last send (NaN: never)
        ushort nextId = 0;
        long expectedResends = 0;
        double now = 0;
        double delay = 0.2;
        var packet = new byte[1200];
        var sentIds = new ushort[8];
        var message = new byte[24];

        for (int pass = 0; pass < 3000; pass++)
        {
            now += random.Next(1, 25) / 1000.0;
            // The delay follows the measured round trip: it shrinks after the first sample and moves with jitter.
            if (delayChanges && random.Next(40) == 0) delay = random.Next(30, 300) / 1000.0;

            for (int i = random.Next(3); i > 0 && channel.Unacknowledged < 900; i--)
            {
                Assert.True(channel.Enqueue(message, 1100, 1 << 20));
                lastSent[nextId++] = double.NaN;
            }

            var expected = lastSent.Where(m => double.IsNaN(m.Value) || now - m.Value >= delay).Select(m => m.Key).ToHashSet();
            expectedResends += expected.Count(id => !double.IsNaN(lastSent[id]));

            // Small packets: a pass takes several, and each continues where the last one stopped.
            var written = new List<ushort>();
            channel.BeginSendPass(now);
            while (true)
            {
                int count = 0;
                int bytes = channel.WriteDue(packet, now, delay, sentIds, ref count);
                Assert.Equal(bytes == 0, count == 0);
                if (count == 0) break;
                written.AddRange(sentIds.AsSpan(0, count).ToArray());
            }

            Assert.Equal(written.Count, written.Distinct().Count());
            Assert.True(expected.SetEquals(written), $"pass {pass} at {now:F3} s, delay {delay:F3} s: expected [{string.Join(',', expected.Order())}], written [{string.Join(',', written.Order())}]");
            foreach (ushort id in written) lastSent[id] = now;

            // Acknowledge some of what was sent, as packets arrive (in any order).
            foreach (ushort id in lastSent.Keys.Where(id => !double.IsNaN(lastSent[id]) && random.Next(6) == 0).ToList())
            {
                channel.Acknowledge(id);
                lastSent.Remove(id);
            }
            Assert.True(channel.Unacknowledged >= lastSent.Count); // it counts the window's span, holes included
        }

        Assert.Equal(expectedResends, channel.Resends);
        Assert.True(expectedResends > 100, $"only {expectedResends} resends: the model did not exercise resends");
    }
}
