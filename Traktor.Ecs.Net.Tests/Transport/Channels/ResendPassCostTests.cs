using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Transport.Channels;

/// <summary>
/// What a sending pass of <see cref="ReliableSendChannel"/> looks at: its due messages and those never sent, however many
/// wait for their acknowledgement. Before, one resend due made a pass look at every message in flight.
/// </summary>
public class ResendPassCostTests
{
    private const double ResendDelay = 0.25; // times below are binary fractions: no rounding decides what is due

    /// <summary>A pass as the connection makes it: packets until nothing due is left; returns the ids written.</summary>
    private static List<ushort> Pass(ReliableSendChannel channel, double now) => Pass(channel, now, out _);

    /// <summary>A pass; <paramref name="packets"/> tells how many packets it filled.</summary>
    private static List<ushort> Pass(ReliableSendChannel channel, double now, out int packets)
    {
        packets = 0;
        var packet = new byte[1200];
        var sentIds = new ushort[64];
        var written = new List<ushort>();
        channel.BeginSendPass(now);
        while (true)
        {
            int sent = 0;
            if (channel.WriteDue(packet, now, ResendDelay, sentIds, ref sent) == 0) return written;
            packets++;
            written.AddRange(sentIds.AsSpan(0, sent).ToArray());
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    public void A_pass_with_one_message_due_looks_at_that_one_only(int inFlight)
    {
        var channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool(1_159));
        var message = new byte[16];
        // All leave at 0; the first half is acknowledged.
        for (int i = 0; i < inFlight; i++) channel.Enqueue(message, 1_100);
        Pass(channel, 0);
        for (int i = 0; i < inFlight / 2; i++) channel.Acknowledge((ushort)i);
        Assert.Empty(Pass(channel, 0.0625)); // nothing due
        long examined = channel.Examined;

        // One lost among them all: due at once, the only one written, the only one looked at.
        ushort lost = (ushort)(inFlight - 3);
        channel.MarkLost(lost, packetSentAt: 0);
        Assert.Equal([lost], Pass(channel, 0.125));
        Assert.Equal(1, channel.Examined - examined);

        // Timers running out: the due ones, oldest first, and nothing else looked at.
        channel.Acknowledge((ushort)(inFlight / 2 + 1));
        examined = channel.Examined;
        var due = Enumerable.Range(inFlight / 2, inFlight - inFlight / 2).Select(i => (ushort)i).Where(id => id != lost && id != inFlight / 2 + 1).ToList();
        Assert.Equal(due, Pass(channel, ResendDelay, out int packets));
        // A message that did not fit in a full packet is looked at again for the next one.
        Assert.InRange(channel.Examined - examined, due.Count, due.Count + packets);
        // The lost one, resent at 0.125, comes due last and alone.
        examined = channel.Examined;
        Assert.Equal([lost], Pass(channel, 0.125 + ResendDelay));
        Assert.Equal(1, channel.Examined - examined);
    }
}
