using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The reliable channel on a slow link (fixer2's finding): an honest player on 64 KB/s with 3 MB of reliable messages
/// queued at once. Without congestion control the server sent up to 64 packets an update whatever the link took, the
/// link's one-second queue overflowed, and every resend delay the whole window went out again: the player got about 62
/// messages in 10 s and was then cut with <see cref="DisconnectReason.SendQueueOverflow"/>. With a congestion window,
/// pacing and a backed-off timeout, the queue leaves at the link's rate.
/// </summary>
public class CongestionControlTests(ITestOutputHelper output)
{
    private const double LinkBytesPerSecond = 64 * 1024;
    private const int Messages = 3_000;
    private const int MessageBytes = 1_000;

    [Fact]
    public void A_slow_link_gets_a_queue_of_three_megabytes_in_order_at_most_of_its_rate_and_is_never_cut()
    {
        using var h = new TransportHarness(new LinkConditions { BandwidthBytesPerSecond = LinkBytesPerSecond, LatencyMs = 25 });
        var client = h.Connect(1, new LinkConditions { LatencyMs = 25 });
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        var message = new byte[MessageBytes];
        for (int i = 0; i < Messages; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message, i);
            Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, message));
        }
        var start = h.Time.GetUtcNow();
        int received = 0;
        // The transfer needs 3,000,000 / 65,536 = 46 s of link at least; 120 s is room for a bad controller to show.
        for (int step = 0; step < 120_000 / 16 && received < Messages; step++)
        {
            h.Step();
            foreach (var e in h.DrainServer()) Assert.True(e.Type != NetEventType.Disconnected, $"server cut the player: {e.Reason} after {received} messages");
            foreach (var e in TransportHarness.DrainClient(client))
            {
                Assert.True(e.Type != NetEventType.Disconnected, $"player cut: {e.Reason} after {received} messages");
                if (e.Type != NetEventType.Message) continue;
                Assert.Equal(received, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
                received++;
            }
        }
        double seconds = (h.Time.GetUtcNow() - start).TotalSeconds;
        Assert.True(h.Server.TryGetStats(id, out var stats));
        double goodput = (double)received * MessageBytes / seconds;
        output.WriteLine($"{received} messages in {seconds:F1} s: goodput {goodput / 1024:F1} KB/s of {LinkBytesPerSecond / 1024:F0}; {stats}; link dropped {h.ServerLink.Dropped}");
        Assert.Equal(Messages, received);
        Assert.Equal(ClientState.Connected, client.State);
        Assert.True(goodput >= 0.7 * LinkBytesPerSecond, $"goodput {goodput / 1024:F1} KB/s");
        Assert.True(stats.Resends < Messages / 5, $"{stats.Resends} resends for {Messages} messages");
    }

    [Fact]
    public void A_player_that_stops_taking_messages_is_still_cut_within_the_timeout_of_its_last_acknowledgement()
    {
        // The player never polls, so its event queue fills, its reliable window fills behind it, and it refuses
        // (leaves unacknowledged) every packet beyond that window while it keeps the connection alive.
        using var h = new TransportHarness(new LinkConditions { BandwidthBytesPerSecond = LinkBytesPerSecond, LatencyMs = 25 });
        var client = h.AddClient(new LinkConditions { LatencyMs = 25 }, o =>
        {
            o.MaxMessagesPerConnection = 64;
            o.MaxMessageBytesPerConnection = o.MaxMessageSize;
            o.MaxQueuedMessages = 256;
            o.MaxQueuedMessageBytes = o.MaxMessageSize;
        });
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < Messages; i++) Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, new byte[MessageBytes]));
        DisconnectReason? reason = null;
        double lastPending = 0, lastProgressAt = 0, now = 0;
        int pending = int.MaxValue;
        for (int step = 0; step < 60_000 / 16 && reason is null; step++)
        {
            h.Step();
            now = (h.Time.GetUtcNow() - TransportHarness.Start).TotalSeconds;
            foreach (var e in h.DrainServer().Where(e => e.Type == NetEventType.Disconnected)) reason = e.Reason;
            if (reason is null && h.Server.TryGetStats(id, out var stats) && stats.PendingReliable < pending)
            {
                pending = stats.PendingReliable;
                lastProgressAt = now;
                lastPending = pending;
            }
        }
        output.WriteLine($"cut {reason} at {now:F1} s; last acknowledgement at {lastProgressAt:F1} s with {lastPending} pending");
        Assert.Equal(DisconnectReason.SendQueueOverflow, reason);
        Assert.True(lastPending < Messages, "nothing was ever acknowledged");
        // Within the timeout (10 s) of the last acknowledgement, and a packet of the peer's after it.
        Assert.InRange(now - lastProgressAt, 0, 11.0);
    }
}
