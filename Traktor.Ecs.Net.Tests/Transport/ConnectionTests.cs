using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class ConnectionTests
{
    [Fact]
    public void Client_connects_and_both_sides_exchange_messages_on_every_channel()
    {
        using var h = new TransportHarness();
        var client = h.Connect(42);
        var connected = h.DrainServer();
        var hello = Assert.Single(connected, e => e.Type == NetEventType.Connected);
        Assert.Equal(42UL, hello.ClientId);
        Assert.Single(TransportHarness.DrainClient(client), e => e.Type == NetEventType.Connected);

        foreach (ChannelKind channel in Enum.GetValues<ChannelKind>())
        {
            Assert.Equal(SendResult.Queued, client.Send(channel, [1, 2, (byte)channel]));
            Assert.Equal(SendResult.Queued, h.Server.Send(hello.Connection, channel, [9, (byte)channel]));
        }
        h.Step();
        h.Step();
        var atServer = h.DrainServer().Where(e => e.Type == NetEventType.Message).ToList();
        var atClient = TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).ToList();
        Assert.Equal(4, atServer.Count);
        Assert.Equal(4, atClient.Count);
        foreach (var e in atServer) Assert.Equal(new byte[] { 1, 2, (byte)e.Channel }, e.Data.ToArray());
        foreach (var e in atClient) Assert.Equal(new byte[] { 9, (byte)e.Channel }, e.Data.ToArray());
    }

    [Fact]
    public void Disconnect_reason_reaches_the_other_side()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Server.Disconnect(id, DisconnectReason.Kicked);
        h.Step();
        var ended = TransportHarness.DrainClient(client).Single(e => e.Type == NetEventType.Disconnected);
        Assert.Equal(DisconnectReason.Kicked, ended.Reason);
        Assert.Equal(ClientState.Disconnected, client.State);
        Assert.Equal(0, h.Server.ConnectionCount);
    }

    [Fact]
    public void A_timed_out_the_server_sends_is_told_apart_from_the_clients_own_timeout()
    {
        // The same reason either way; only who ended the link differs. A migrating player infers its host's loss from the
        // second alone: the server that sent the first is alive (it cut a player it heard nothing from).
        using var h = new TransportHarness();
        var cut = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Server.Disconnect(id, DisconnectReason.TimedOut);
        h.Step();
        Assert.Equal(ClientState.Disconnected, cut.State);
        Assert.Equal(DisconnectReason.TimedOut, cut.LastDisconnectReason);
        Assert.True(cut.LastDisconnectByServer);

        var lost = h.Connect(2);
        h.DrainServer();
        h.ServerLink.Conditions.LossPercent = 100;
        Assert.True(h.RunUntil(() => lost.State == ClientState.Disconnected, maxSteps: 1000, stepMs: 50));
        Assert.Equal(DisconnectReason.TimedOut, lost.LastDisconnectReason);
        Assert.False(lost.LastDisconnectByServer);

        // Its own Disconnect is its own too.
        h.ServerLink.Conditions.LossPercent = 0;
        var leaving = h.Connect(3);
        leaving.Disconnect();
        Assert.Equal(DisconnectReason.ClientDisconnected, leaving.LastDisconnectReason);
        Assert.False(leaving.LastDisconnectByServer);
    }

    [Fact]
    public void Client_disconnect_is_sent_redundantly_and_seen_by_the_server_despite_loss()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1, record: true);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 50;
        client.Disconnect();
        var disconnects = h.ClientWires[0].Sent.Where(s => (s.Data[0] & 0x0F) == 5)
            .Select(s => Traktor.Ecs.Net.Transport.Packets.SealedPacket.TryReadHeader(s.Data, out ulong sequence, out _) ? sequence : ulong.MaxValue).ToList();
        Assert.Equal(3, disconnects.Distinct().Count()); // three copies, each with its own sequence (nonce)
        h.Step();
        h.Step();
        var ended = h.DrainServer().Single(e => e.Type == NetEventType.Disconnected);
        Assert.Equal(DisconnectReason.ClientDisconnected, ended.Reason);
    }

    [Fact]
    public void A_link_lost_with_a_reliable_message_in_flight_reads_as_timed_out_not_as_a_peer_that_cannot_keep_up()
    {
        // The message goes out as the client's way to the server dies; the server's packets arrive 3 s more. The message is
        // overdue (10 s after its first send) 3 s before the silence is: that must not end the link as SendQueueOverflow,
        // which a migrating player reads as a live host cutting it (it goes out instead of migrating).
        using var h = new TransportHarness();
        var client = h.Connect(1);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 100;
        Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, new byte[100]));
        for (int i = 0; i < 60; i++) h.Step(50);
        h.ServerLink.Conditions.LossPercent = 100;
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 1000, stepMs: 50));
        Assert.Equal(DisconnectReason.TimedOut, client.LastDisconnectReason);
    }

    [Fact]
    public void Silent_peer_times_out_on_both_sides()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 100;
        h.ServerLink.Conditions.LossPercent = 100;
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected && h.Server.ConnectionCount == 0, maxSteps: 1000, stepMs: 50));
        Assert.Equal(DisconnectReason.TimedOut, client.LastDisconnectReason);
        Assert.Equal(DisconnectReason.TimedOut, h.DrainServer().Single(e => e.Type == NetEventType.Disconnected).Reason);
    }

    [Fact]
    public void Stats_report_round_trip_time_and_rates()
    {
        using var h = new TransportHarness(new() { LatencyMs = 40 });
        var client = h.AddClient(new() { LatencyMs = 40 });
        client.Connect(h.IssueToken(5));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        for (int i = 0; i < 200; i++)
        {
            client.Send(ChannelKind.Unreliable, new byte[100]);
            h.Step();
        }
        var stats = client.GetStats();
        Assert.InRange(stats.RoundTripTimeMs, 70, 130);
        Assert.True(stats.BytesOutPerSecond > 100 * 50, $"out {stats.BytesOutPerSecond}");
        Assert.True(stats.KilobytesInPerSecond > 0);
        Assert.InRange(stats.PacketLossPercent, 0, 1);
    }

    [Fact]
    public void A_client_can_reconnect_after_disconnecting()
    {
        using var h = new TransportHarness();
        var client = h.Connect(5);
        client.Disconnect();
        h.Step();
        Assert.Equal(0, h.Server.ConnectionCount);
        client.Connect(h.IssueToken(5));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        client.Send(ChannelKind.ReliableOrdered, [77]);
        h.Step();
        h.Step();
        var events = h.DrainServer();
        Assert.Equal(2, events.Count(e => e.Type == NetEventType.Connected));
        Assert.Contains(events, e => e.Type == NetEventType.Message && e.Data.Span[0] == 77);
    }
}
