using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Tracked messages (docs/PROTOCOL.md §6): the fate of each is reported once, as Delivered when the peer acknowledged
/// the packet that carried it, or Lost; snapshot acknowledgements ride on this (TRKNET07).
/// </summary>
public class TrackedDeliveryTests
{
    private static List<NetEvent> Receipts(List<NetEvent> events) =>
        events.Where(e => e.Type is NetEventType.Delivered or NetEventType.Lost).ToList();

    [Fact]
    public void A_tracked_message_is_reported_delivered_once_when_its_packet_is_acknowledged()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        Assert.Equal(SendResult.Queued, h.Server.SendTracked(id, [1, 2, 3], receipt: 4242));
        var seen = new List<NetEvent>();
        for (int i = 0; i < 20; i++)
        {
            h.Step();
            seen.AddRange(h.DrainServer());
            TransportHarness.DrainClient(client);
        }

        var receipt = Assert.Single(Receipts(seen));
        Assert.Equal(NetEventType.Delivered, receipt.Type);
        Assert.Equal(4242u, receipt.Receipt);
        Assert.Equal(id, receipt.Connection);
    }

    [Fact]
    public void A_tracked_message_in_a_lost_packet_is_reported_lost_and_never_delivered()
    {
        var toClient = new LinkConditions();
        using var h = new TransportHarness(toClient);
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        toClient.LossPercent = 100; // the server's link drops everything it sends
        h.Server.SendTracked(id, [9], receipt: 7);
        h.Step();
        toClient.LossPercent = 0;
        var seen = new List<NetEvent>();
        for (int i = 0; i < 100; i++)
        {
            h.Server.Send(id, ChannelKind.Unreliable, [1]); // later packets push the lost one out of the ack window
            h.Step();
            seen.AddRange(h.DrainServer());
            TransportHarness.DrainClient(client);
        }

        var receipt = Assert.Single(Receipts(seen));
        Assert.Equal(NetEventType.Lost, receipt.Type);
        Assert.Equal(7u, receipt.Receipt);
    }

    [Fact]
    public void Tracked_messages_that_do_not_fit_one_packet_are_refused_and_unsent_ones_are_reported_lost()
    {
        using var h = new TransportHarness(configure: o => o.MaxPacketsPerUpdate = 1);
        h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        Assert.Equal(SendResult.TooLarge, h.Server.SendTracked(id, new byte[h.Server.MaxUnfragmentedMessageSize + 1], 1));
        // Two messages that each nearly fill a packet: with one packet per update the second is never sent.
        var big = new byte[h.Server.MaxUnfragmentedMessageSize];
        h.Server.SendTracked(id, big, 1);
        h.Server.SendTracked(id, big, 2);
        h.Server.Flush();
        var lost = Assert.Single(Receipts(h.DrainServer()));
        Assert.Equal((NetEventType.Lost, 2u), (lost.Type, lost.Receipt));
    }

    [Fact]
    public void A_packet_whose_unreliable_message_the_receiver_refused_is_not_acknowledged()
    {
        using var h = new TransportHarness();
        var client = h.AddClient(configure: o => o.MaxMessagesPerConnection = 2);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        h.Step();
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        TransportHarness.DrainClient(client);

        // Three messages in one packet, the client takes two per update: the packet must not be acknowledged,
        // or the tracked one would be reported delivered although the application never saw it.
        h.Server.Send(id, ChannelKind.Unreliable, [1]);
        h.Server.Send(id, ChannelKind.Unreliable, [2]);
        h.Server.SendTracked(id, [3], receipt: 3);
        h.Server.Flush();
        var seen = new List<NetEvent>();
        var delivered = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            h.Server.Send(id, ChannelKind.Unreliable, [0]);
            h.Step();
            seen.AddRange(h.DrainServer());
            delivered.AddRange(TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => e.Data.Span[0]));
        }

        Assert.DoesNotContain((byte)3, delivered);
        var receipt = Assert.Single(Receipts(seen));
        Assert.Equal((NetEventType.Lost, 3u), (receipt.Type, receipt.Receipt));

        // Within budget, the same message is delivered and reported so.
        h.Server.SendTracked(id, [3], receipt: 4);
        for (int i = 0; i < 10; i++)
        {
            h.Step();
            seen.AddRange(h.DrainServer());
            delivered.AddRange(TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => e.Data.Span[0]));
        }

        Assert.Contains((byte)3, delivered);
        Assert.Contains(Receipts(seen), e => e.Type == NetEventType.Delivered && e.Receipt == 4);
    }
}
