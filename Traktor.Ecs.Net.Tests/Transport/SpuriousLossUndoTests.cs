using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A window cut for a packet that was only reordered or delayed past the loss thresholds is taken back when its ack
/// comes (<see cref="CongestionWindow.OnSpuriousLoss"/>). The link here is the order the peer's acks arrive in: the
/// sender's <see cref="SentPackets"/> sees exactly what it would see behind a link that held one packet back.
/// </summary>
public class SpuriousLossUndoTests
{
    private const int Packet = 1200;

    private sealed class Sender : IReceiptSink
    {
        private readonly MessageBufferPool _pool = new(1_159);

        public Sender()
        {
            Window = new CongestionWindow(Packet);
            Sent = new SentPackets(Window);
            Ordered = new ReliableSendChannel(ChannelKind.ReliableOrdered, _pool);
            Unordered = new ReliableSendChannel(ChannelKind.ReliableUnordered, _pool);
            // The round trip shows a queue (SRTT 200 ms against a least round trip of 50 ms), so a loss cuts the window.
            Statistics.AddRttSample(0.2);
            Window.OnRttSample(0.05, 0);
        }

        public ConnectionStatistics Statistics { get; } = new();
        public CongestionWindow Window { get; }
        public SentPackets Sent { get; }
        public ReliableSendChannel Ordered { get; }
        public ReliableSendChannel Unordered { get; }

        /// <summary>Sends packets <paramref name="first"/> up to <paramref name="last"/>, each carrying one reliable record, 1 ms apart from <paramref name="at"/>.</summary>
        public void Send(int first, int last, double at = 0)
        {
            for (int i = first; i <= last; i++)
            {
                Sent.Ordered[0] = (ushort)i;
                Sent.Record((ushort)i, at + (i - first) * 0.001, orderedCount: 1, unorderedCount: 0, receiptCount: 0, Packet, eliciting: true, Statistics, this);
            }
        }

        /// <summary>The peer's ack of <paramref name="sequence"/> arrives at <paramref name="now"/>; losses are detected after it.</summary>
        public void Ack(int sequence, double now)
        {
            AckOnly(sequence, now);
            Sent.DetectLoss(now, Statistics, Ordered, Unordered);
        }

        /// <summary>The ack's own effect, before the losses it shows are detected.</summary>
        public void AckOnly(int sequence, double now) =>
            Sent.Acknowledge((ushort)sequence, now, sample: false, Statistics, Ordered, Unordered, this);

        public void OnReceipt(uint receipt, bool delivered) { }
    }

    [Fact]
    public void A_packet_held_back_past_the_loss_threshold_then_delivered_leaves_the_window_as_before()
    {
        var s = new Sender();
        s.Send(0, 7);
        s.Ack(1, 0.3); // packet 0 is held back ...
        s.Ack(2, 0.3);
        s.AckOnly(3, 0.3); // ... three packets past it: declared lost once the ack's loss detection runs
        long before = s.Window.Window;
        long thresholdBefore = s.Window.SlowStartThreshold;
        s.Sent.DetectLoss(0.3, s.Statistics, s.Ordered, s.Unordered);
        s.Ack(4, 0.3);
        Assert.Equal(1, s.Window.LostPackets);
        Assert.True(s.Window.Window < before, "the false loss did not cut the window");

        s.Ack(0, 0.32); // ... and then it arrives

        Assert.Equal(before, s.Window.Window);
        Assert.Equal(thresholdBefore, s.Window.SlowStartThreshold);
        Assert.Equal(1, s.Window.CongestionEvents);
        Assert.Equal(1, s.Window.SpuriousLossUndos);
    }

    [Fact]
    public void A_cut_undone_leaves_the_next_real_loss_to_cut_again()
    {
        var s = new Sender();
        s.Send(0, 7);
        s.Ack(1, 0.3);
        s.Ack(2, 0.3);
        s.AckOnly(3, 0.3);
        long before = s.Window.Window;
        s.Sent.DetectLoss(0.3, s.Statistics, s.Ordered, s.Unordered);
        s.Ack(4, 0.3);
        s.Ack(0, 0.32);
        Assert.Equal(before, s.Window.Window);

        // Packet 5 is really lost: the recovery the undone cut began is over, so this loss cuts once more.
        for (int i = 6; i <= 7; i++) s.Ack(i, 0.33);
        s.Send(8, 9, at: 0.34);
        s.Ack(8, 0.36);
        Assert.Equal(2, s.Window.CongestionEvents);
        Assert.True(s.Window.Window < before);
        Assert.Equal(1, s.Window.SpuriousLossUndos);
    }

    [Fact]
    public void An_episode_with_one_real_loss_is_not_undone_by_the_other_packets_late_ack()
    {
        var s = new Sender();
        s.Send(0, 9);
        for (int i = 2; i <= 6; i++) s.Ack(i, 0.3); // packets 0 and 1 declared lost, one cut
        Assert.Equal(2, s.Window.LostPackets);
        Assert.Equal(1, s.Window.CongestionEvents);
        long cut = s.Window.Window;

        s.Ack(0, 0.32); // 0 was only late; 1 is lost for real and never acknowledged

        Assert.Equal(cut, s.Window.Window);
        Assert.Equal(0, s.Window.SpuriousLossUndos);
    }

    [Fact]
    public void A_late_ack_of_an_older_episode_does_not_undo_a_newer_cut()
    {
        var s = new Sender();
        s.Send(0, 7);
        for (int i = 1; i <= 4; i++) s.Ack(i, 0.3); // episode 1: packet 0
        s.Send(8, 12, at: 0.31);
        for (int i = 9; i <= 12; i++) s.Ack(i, 0.5); // episode 2: packet 8, sent after the first cut, is lost (5 to 7 are episode 1's)
        Assert.Equal(2, s.Window.CongestionEvents);
        long cut = s.Window.Window;

        s.Ack(0, 0.42);

        Assert.Equal(cut, s.Window.Window);
        Assert.Equal(0, s.Window.SpuriousLossUndos);
    }
}
