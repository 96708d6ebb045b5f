using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="IServerEndpoint.DisconnectWhenDelivered"/> on the harness's fake clock: the notice follows the reliable
/// messages sent before it, however lossy the link, and a link that never acknowledges is cut at the deadline, not held.
/// </summary>
public class DisconnectWhenDeliveredTests
{
    private static readonly byte[] MatchOver = [7, 7, 7];

    [Fact]
    public void A_reliable_message_sent_before_the_disconnect_arrives_before_its_notice_over_a_link_that_lost_it()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        TransportHarness.DrainClient(client);

        // The end-of-match message goes out into a link that loses everything for a while, and the session ends at once.
        h.ServerLink.Conditions.LossPercent = 100;
        Assert.Equal(SendResult.Queued, h.Server.Send(connection, ChannelKind.ReliableOrdered, MatchOver));
        h.Server.DisconnectWhenDelivered(connection, DisconnectReason.SessionEnded, TimeSpan.FromSeconds(5));
        for (int i = 0; i < 20; i++) h.Step();
        Assert.Equal(ClientState.Connected, client.State); // held open while its message is owed
        Assert.Equal(1, h.Server.ConnectionCount);

        h.ServerLink.Conditions.LossPercent = 0;
        var events = new List<NetEvent>();
        Assert.True(h.RunUntil(() =>
        {
            events.AddRange(TransportHarness.DrainClient(client));
            return events.Any(e => e.Type == NetEventType.Disconnected);
        }));

        // Disconnect at once lost the message with the connection: the notice came and the message never did.
        int message = events.FindIndex(e => e.Type == NetEventType.Message && e.Data.Span.SequenceEqual(MatchOver));
        int notice = events.FindIndex(e => e.Type == NetEventType.Disconnected);
        Assert.InRange(message, 0, notice - 1);
        Assert.Equal(DisconnectReason.SessionEnded, events[notice].Reason);
        Assert.True(events[notice].ByServer);
        Assert.Equal(0, h.Server.ConnectionCount);
    }

    [Fact]
    public void A_link_that_never_acknowledges_is_cut_at_the_deadline_and_one_with_nothing_owed_at_the_next_update()
    {
        using var h = new TransportHarness();
        var dead = h.Connect(1);
        var idle = h.Connect(2);
        var connected = h.DrainServer().Where(e => e.Type == NetEventType.Connected).ToDictionary(e => e.ClientId, e => e.Connection);

        h.ClientLinks[0].Conditions.LossPercent = 100; // the first client hears the server, and no acknowledgement of its gets back
        Assert.Equal(SendResult.Queued, h.Server.Send(connected[1], ChannelKind.ReliableOrdered, MatchOver));
        var within = TimeSpan.FromSeconds(1.5);
        var start = h.Time.GetUtcNow();
        h.Server.DisconnectWhenDelivered(connected[1], DisconnectReason.SessionEnded, within);
        h.Server.DisconnectWhenDelivered(connected[2], DisconnectReason.SessionEnded, within);
        h.Server.DisconnectWhenDelivered(connected[1], DisconnectReason.Kicked, TimeSpan.Zero); // the first request counts

        var gone = new Dictionary<ulong, (TimeSpan After, DisconnectReason Reason)>();
        Assert.True(h.RunUntil(() =>
        {
            foreach (var e in h.DrainServer().Where(e => e.Type == NetEventType.Disconnected))
            {
                gone[e.ClientId] = (h.Time.GetUtcNow() - start, e.Reason);
            }

            return gone.Count == 2;
        }, stepMs: 10));

        Assert.Equal(DisconnectReason.SessionEnded, gone[2].Reason);
        Assert.True(gone[2].After <= TimeSpan.FromMilliseconds(10), $"nothing owed, yet held {gone[2].After}");
        Assert.Equal(DisconnectReason.SessionEnded, gone[1].Reason);
        Assert.InRange(gone[1].After, within, within + TimeSpan.FromMilliseconds(10));
        h.Step();
        Assert.Equal(DisconnectReason.SessionEnded, dead.LastDisconnectReason);
        Assert.Equal(DisconnectReason.SessionEnded, idle.LastDisconnectReason);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Server.DisconnectWhenDelivered(connected[1], DisconnectReason.Kicked, TimeSpan.FromSeconds(-1)));
    }
}
