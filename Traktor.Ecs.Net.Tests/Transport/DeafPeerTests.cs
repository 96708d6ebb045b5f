using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A connected peer that keeps its connection alive but never acknowledges a packet carrying reliable messages (attack
/// review 16): the reliable channel resends without backoff, so without a deadline the server would resend its whole
/// window to that peer every resend delay for as long as the peer cared to stay, up to
/// <see cref="NetPeerOptions.MaxPacketsPerUpdate"/> packets every update. A reliable message left unacknowledged for the
/// connection's timeout ends the connection (<see cref="DisconnectReason.SendQueueOverflow"/>: the peer is alive, so not
/// <see cref="DisconnectReason.TimedOut"/>, which means silence).
/// </summary>
public class DeafPeerTests
{
    /// <summary>The ack header of a peer that received nothing (docs/PROTOCOL.md §6: ack 65,535, every bit set).</summary>
    private static readonly byte[] AcknowledgesNothing = [0x00, 0xFF, 0xFF];

    private const int Messages = 64;
    private const int MessageBytes = 1_000;

    private static TransportHarness Harness(bool insecure) => new(configure: o =>
    {
        if (!insecure) return;
        o.Insecure = true;
        o.PrivateKey = null;
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_peer_that_never_acknowledges_reliable_messages_is_timed_out_instead_of_resent_to_for_ever(bool insecure)
    {
        using var h = Harness(insecure);
        using var deaf = HostilePeer.Connect(h, 2);
        // From here on only the crafted packets speak for the connection (the real client would acknowledge).
        h.Clients.Remove(deaf.Client);
        h.Disposables.Add(deaf.Client);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < Messages; i++) Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, new byte[MessageBytes]));
        h.ServerWire.Enabled = true;
        double queuedAt = h.Time.GetUtcNow().Subtract(TransportHarness.Start).TotalSeconds;
        DisconnectReason? end = null;
        double endedAt = 0;
        // 60 s of keep-alives every 96 ms (the protocol's 100 ms), each acknowledging nothing.
        for (int step = 0; step < 3_750 && end is null; step++)
        {
            if (step % 6 == 0) deaf.Send(deaf.Seal(AcknowledgesNothing));
            h.Step();
            foreach (var e in h.DrainServer())
            {
                if (e.Type != NetEventType.Disconnected) continue;
                end = e.Reason;
                endedAt = h.Time.GetUtcNow().Subtract(TransportHarness.Start).TotalSeconds;
            }
        }
        long bytesToDeaf = h.ServerWire.Sent.Where(s => s.Peer == deaf.Address).Sum(s => (long)s.Data.Length);
        // Before the deadline: still connected after 60 s, 61.5 MB sent for 64 KB queued (the handshake's acks gave
        // an RTT sample, so the resend delay stayed near its 30 ms floor).
        Assert.True(end is not null, $"still connected after 60 s; {bytesToDeaf:N0} bytes sent to it for {Messages * MessageBytes:N0} queued");
        Assert.Equal(DisconnectReason.SendQueueOverflow, end);
        // The token's (and insecure mode's) timeout is 10 s: the oldest message was first sent at the next update.
        Assert.InRange(endedAt - queuedAt, 10.0, 10.2);
        // At most one round of the 64 messages every 30 ms (the resend delay's floor) for the 10 s, and the first send.
        Assert.True(bytesToDeaf < 335L * Messages * (MessageBytes + 64), $"{bytesToDeaf:N0} bytes sent to the deaf peer");
        Assert.Equal(0, h.Server.Counters.InternalErrors);
    }

    [Fact]
    public void A_peer_on_a_lossy_link_keeps_its_connection_and_gets_every_message()
    {
        using var h = Harness(insecure: false);
        var honest = h.Connect(1, new LinkConditions { LossPercent = 40, LatencyMs = 80, JitterMs = 30 });
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        int received = 0;
        for (int second = 0; second < 30; second++)
        {
            for (int i = 0; i < Messages; i++) Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, new byte[MessageBytes]));
            for (int step = 0; step < 62; step++)
            {
                h.Step();
                h.DrainServer();
                received += TransportHarness.DrainClient(honest).Count(e => e.Type == NetEventType.Message);
            }
        }
        Assert.True(h.RunUntil(() =>
        {
            h.DrainServer();
            received += TransportHarness.DrainClient(honest).Count(e => e.Type == NetEventType.Message);
            return received == 30 * Messages;
        }), $"{received} of {30 * Messages} arrived");
        Assert.Equal(ClientState.Connected, honest.State);
    }
}
