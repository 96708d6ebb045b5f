using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetServer.DisconnectAll(DisconnectReason, TimeSpan)"/>: a client still sending on its closed connection
/// never heard the three datagrams of the notice, and is answered with it again, within a budget (at most
/// <see cref="RepeatedNotices.MaxAnswers"/> answers per connection, none past the deadline).
/// </summary>
public class RepeatedDisconnectNoticeTests
{
    /// <summary>
    /// Every notice of the close is lost (the server's link loses all it sends for half a second); the client goes on
    /// sending keep-alives, and once the link carries again the next answer tells it the reason. Without the repeats it
    /// heard nothing until its own timeout (10 s), and read the close as the host's silence.
    /// </summary>
    [Fact]
    public void A_client_that_lost_every_notice_is_told_again_when_it_sends_and_answers_stop_once_it_heard()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink);
        var client = harness.Connect(7);
        serverLink.LossPercent = 100;
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay, TimeSpan.FromSeconds(2));
        Assert.True(harness.Server.RepeatsNotices);
        for (int i = 0; i < 30; i++) harness.Step();
        Assert.Equal(ClientState.Connected, client.State); // it heard nothing yet
        Assert.True(harness.Server.NoticesRepeated > 0, "the client's keep-alives were not answered");

        serverLink.LossPercent = 0;
        Assert.True(harness.RunUntil(() => client.State == ClientState.Disconnected, 30), $"state {client.State}");
        Assert.Equal(DisconnectReason.HostGaveWay, client.LastDisconnectReason);
        Assert.True(client.LastDisconnectByServer);

        // It heard, so it sends no more on the connection, and is answered no more; the entry goes at the deadline.
        long answered = harness.Server.NoticesRepeated;
        for (int i = 0; i < 150; i++) harness.Step();
        Assert.Equal(answered, harness.Server.NoticesRepeated);
        Assert.False(harness.Server.RepeatsNotices);
    }

    /// <summary>
    /// A client that never hears (its link to the server stays dead) is answered at most
    /// <see cref="RepeatedNotices.MaxAnswers"/> times, however long the repeats were asked for and however often it sends.
    /// </summary>
    [Fact]
    public void A_client_that_never_hears_is_answered_at_most_the_budget()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink);
        var client = harness.Connect(7);
        serverLink.LossPercent = 100;
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay, TimeSpan.FromSeconds(8));
        for (int i = 0; i < 8 * 60; i++) harness.Step(); // 7.7 s of keep-alives every 100 ms: about 75 of them
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(RepeatedNotices.MaxAnswers, harness.Server.NoticesRepeated);
        harness.Step(400); // past the 8 s asked for
        Assert.False(harness.Server.RepeatsNotices);
    }

    /// <summary>A plain disconnect (no repeats asked for) keeps nothing: the notice goes three times and the connection is gone.</summary>
    [Fact]
    public void Without_repeats_a_closed_connection_is_not_answered()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink);
        harness.Connect(7);
        serverLink.LossPercent = 100;
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay);
        Assert.False(harness.Server.RepeatsNotices);
        for (int i = 0; i < 60; i++) harness.Step();
        Assert.Equal(0, harness.Server.NoticesRepeated);
    }

    /// <summary>
    /// Someone floods forged payloads with the closed connection's address as their source: each used to cost the server an
    /// AEAD open (1,000 in one update before); now at most <see cref="RepeatedNotices.MaxForgedChecksPerInterval"/> failed
    /// checks an interval, the rest dropped unread, and the genuine client is still told once the flood stops.
    /// </summary>
    [Fact]
    public void A_flood_of_forged_packets_from_a_closed_connections_address_is_checked_within_the_budget()
    {
        using var harness = new TransportHarness();
        using var victim = HostilePeer.Connect(harness, 2);
        var genuine = victim.Seal(new byte[HostilePeer.AckHeaderSize]); // sealed now: the peer drops its keys once it is told
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay, TimeSpan.FromSeconds(2));
        var random = new Random(5);
        var forged = new byte[200];
        ulong sequence = ulong.MaxValue >> 2;
        for (int i = 0; i < 1000; i++)
        {
            random.NextBytes(forged);
            forged[0] = 4 | 0xE0; // Payload with an 8-byte sequence
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(forged.AsSpan(1), sequence++);
            victim.Send(forged);
        }

        harness.Step();
        Assert.Equal(RepeatedNotices.MaxForgedChecksPerInterval, harness.Server.NoticeChecks);
        Assert.Equal(0, harness.Server.NoticesRepeated);

        harness.Step(100); // the next interval
        victim.Send(genuine);
        harness.Step();
        Assert.Equal(1, harness.Server.NoticesRepeated);
    }
    /// <summary>
    /// A spoofer interleaves forged payloads (one every update, three an answer interval: within the check budget) with a
    /// genuine client's keep-alives on its closed connection, from the client's own address, for longer than the client
    /// takes to send <see cref="RepeatedNotices.MaxAnswers"/> packets' worth of forgeries. Only authenticated packets count
    /// toward the answers and their interval, so the forgeries draw nothing and the client, whose notices were all lost,
    /// still hears the reason once its link carries again, long before its own timeout. A forged packet counted as an answer
    /// would have spent the budget (40 answers) before the link came back, and the client would time out.
    /// </summary>
    [Fact]
    public void Forged_packets_interleaved_with_a_genuine_clients_own_do_not_spend_its_answers()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink);
        var client = harness.Connect(7);
        var spoofer = harness.ClientLinks[0]; // sends from the client's own address
        serverLink.LossPercent = 100; // every notice is lost, and every answer for a while
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay, TimeSpan.FromSeconds(2));
        var random = new Random(9);
        var forged = new byte[40];
        int step = 0;
        void ForgeAndStep()
        {
            random.NextBytes(forged);
            forged[0] = 4 | 0xE0; // Payload with an 8-byte sequence
            spoofer.TrySend(forged, harness.ServerAddress);
            harness.Step();
            step++;
        }

        while (step < 60) ForgeAndStep(); // a second: 60 forgeries, more than the 40 answers
        Assert.Equal(ClientState.Connected, client.State);
        Assert.InRange(harness.Server.NoticesRepeated, 1, 10); // the client's keep-alives (every 100 ms), answered into the loss

        serverLink.LossPercent = 0;
        while (step < 90 && client.State != ClientState.Disconnected) ForgeAndStep();
        Assert.Equal(ClientState.Disconnected, client.State);
        Assert.Equal(DisconnectReason.HostGaveWay, client.LastDisconnectReason);
    }

    /// <summary>
    /// A spoofer sends twenty forged payloads per update from the client's own address, each batch ahead of the client's
    /// keep-alive (sixty an answer interval: past the old shared budget of eight checks, within the forged one), while every
    /// notice and answer is lost for half a second. Only failed checks count toward the forged budget, so the genuine
    /// keep-alives are still opened and answered, and the client hears the reason once the link carries. Failed before
    /// (eight checks an interval, first come): the forgeries spent every check, the client's packets were dropped unread,
    /// no answer went out (0 repeated) and it was still connected, waiting for its own timeout.
    /// </summary>
    [Fact]
    public void Forgeries_ahead_of_a_genuine_clients_packets_do_not_crowd_out_its_checks()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink);
        var client = harness.Connect(7);
        var spoofer = harness.ClientLinks[0]; // sends from the client's own address
        serverLink.LossPercent = 100;
        harness.Server.DisconnectAll(DisconnectReason.HostGaveWay, TimeSpan.FromSeconds(2));
        var random = new Random(13);
        var forged = new byte[60];
        int step = 0;
        void ForgeAndStep()
        {
            for (int i = 0; i < 20; i++)
            {
                random.NextBytes(forged);
                forged[0] = 4 | 0xE0; // Payload with an 8-byte sequence
                spoofer.TrySend(forged, harness.ServerAddress);
            }

            harness.Step();
            step++;
        }

        while (step < 30) ForgeAndStep(); // half a second of forgeries and lost answers
        Assert.Equal(ClientState.Connected, client.State);
        Assert.True(harness.Server.NoticesRepeated > 0, "the client's keep-alives were never opened");

        serverLink.LossPercent = 0;
        while (step < 60 && client.State != ClientState.Disconnected) ForgeAndStep();
        Assert.Equal(ClientState.Disconnected, client.State);
        Assert.Equal(DisconnectReason.HostGaveWay, client.LastDisconnectReason);
    }
}
