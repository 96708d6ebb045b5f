using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A connected peer that sends every fragment of a reliable message but the first (attack review 27): the group never
/// completes, so its fragments (and on the ordered channel everything after them) stay in the receive window. Before,
/// they stayed there for as long as the peer kept the connection alive, up to 3 MiB of window (docs/PROTOCOL.md §9.1).
/// Now a window holding records behind an id missing for longer than the connection's timeout (10 s) ends the
/// connection with <see cref="DisconnectReason.ProtocolViolation"/>: an honest sender resends a lost message long before.
/// </summary>
public sealed class UnfinishedReliableGroupTests
{
    private const double StepMs = 16;

    [Theory]
    [InlineData((byte)ChannelKind.ReliableOrdered)]
    [InlineData((byte)ChannelKind.ReliableUnordered)]
    public void A_peer_leaving_one_fragment_of_a_reliable_group_missing_is_cut_after_the_connection_timeout(byte channel)
    {
        using var h = new TransportHarness();
        var honest = h.Connect(1);
        using var abuser = HostilePeer.Connect(h, 2);
        h.Clients.Remove(abuser.Client); // the hostile peer speaks for it from now on
        h.Disposables.Add(abuser.Client);
        h.DrainServer();

        // Fragments 1–199 of a 200-fragment message whose first id (0, the window's base) never comes.
        const ushort Count = 200;
        for (ushort index = 1; index < Count; index++) abuser.Send(abuser.Seal(HostilePeer.Record(channel, index, index, Count, 1000)));
        var keepAlive = new byte[HostilePeer.AckHeaderSize]; // an ack-only payload: keeps the connection from timing out

        double elapsed = 0;
        DisconnectReason? end = null;
        while (end is null && elapsed < 30)
        {
            abuser.Send(abuser.Seal(keepAlive));
            Assert.Equal(SendResult.Queued, honest.Send(ChannelKind.ReliableOrdered, [1, 2, 3]));
            h.Step(StepMs);
            elapsed += StepMs / 1000;
            foreach (var e in h.DrainServer())
            {
                if (e.Type == NetEventType.Disconnected) Assert.Equal(2ul, e.ClientId);
                if (e.Type == NetEventType.Disconnected) end = e.Reason;
            }
        }

        // Before: still connected after 30 s, holding the 199 fragments all along.
        Assert.Equal(DisconnectReason.ProtocolViolation, end);
        Assert.InRange(elapsed, 10, 11 + 2 * StepMs / 1000); // the timeout, checked once a second
        Assert.Equal(ClientState.Connected, honest.State);
        Assert.Equal(1, h.Server.ConnectionCount);
    }

    /// <summary>
    /// The rule must not touch an honest sender on a bad link: 20 % loss each way and reordering for 30 s (three timeouts),
    /// a fragmented reliable message on each channel every tenth update (about 6 a second each), so the windows often hold
    /// records behind lost ids.
    /// </summary>
    [Fact]
    public void An_honest_sender_on_a_lossy_link_keeps_its_connection_and_every_message_arrives()
    {
        using var h = new TransportHarness(new LinkConditions { LatencyMs = 40, JitterMs = 10, LossPercent = 20, ReorderPercent = 5 });
        var client = h.Connect(1, new LinkConditions { LatencyMs = 40, JitterMs = 10, LossPercent = 20, ReorderPercent = 5 });
        h.DrainServer();
        var message = new byte[3000]; // three fragments
        int sent = 0, received = 0;
        for (int step = 0; step * StepMs < 30_000; step++)
        {
            if (step % 10 == 0)
            {
                Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, message));
                Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableUnordered, message));
                sent += 2;
            }
            h.Step(StepMs);
            foreach (var e in h.DrainServer())
            {
                Assert.NotEqual(NetEventType.Disconnected, e.Type);
                if (e.Type == NetEventType.Message) received++;
            }
        }

        Assert.True(h.RunUntil(() =>
        {
            received += h.DrainServer().Count(e => e.Type == NetEventType.Message);
            return received == sent;
        }), $"{received} of {sent} arrived");
        Assert.Equal(0, h.Server.Counters.ProtocolViolations);
        Assert.Equal(ClientState.Connected, client.State);
    }
}
