using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What the server holds for a peer that takes nothing it is sent (attack review 17): a slow acknowledger keeps its
/// connection (it acknowledges one message every few seconds, so the overdue cut never fires) while the game goes on
/// queueing reliable messages for it. docs/PROTOCOL.md §9.1 states the bound: <see cref="NetPeerOptions.MaxSendQueueBytes"/>
/// plus <see cref="NetPeerOptions.MaxUnreliableQueueBytes"/> per connection, then <see cref="DisconnectReason.SendQueueOverflow"/>.
/// </summary>
public class SendQueueBoundTests
{
    /// <summary>The ack header of a peer that received nothing (docs/PROTOCOL.md §6: ack 65,535, every bit set).</summary>
    private static readonly byte[] AcknowledgesNothing = [0x00, 0xFF, 0xFF];

    /// <summary>
    /// The game queues messages of one size on both reliable channels for a peer that acknowledges none, with an update
    /// in between (which moves a window of them out of the backlog), until the server refuses one; the server's own
    /// objects must not have grown by more than the stated bound.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1_025)]
    [InlineData(1_159)]
    [InlineData(5_000)]
    public void The_server_holds_no_more_than_the_stated_bytes_for_a_peer_that_takes_nothing(int messageBytes)
    {
        using var h = new TransportHarness();
        using var slow = HostilePeer.Connect(h, 2);
        h.Clients.Remove(slow.Client);
        h.Disposables.Add(slow.Client);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Step();
        long baseline = RetainedGraph.Bytes([h.Server]);
        var message = new byte[messageBytes];
        long queued = 0;
        bool refused = false;
        bool Queue(long count)
        {
            for (long i = 0; i < count; i++)
            {
                var channel = queued % 2 == 0 ? ChannelKind.ReliableOrdered : ChannelKind.ReliableUnordered;
                if (h.Server.Send(id, channel, message) != SendResult.Queued) return false;
                queued++;
            }
            return true;
        }
        // Most of what the backlogs take, then an update (which moves up to a window of each channel out of its backlog
        // and sends what the congestion window allows), then as many as the server takes: more than the bound is offered.
        long max = h.ServerOptions.MaxSendQueueBytes;
        refused = !Queue(2 * max / (messageBytes + 64) * 9 / 10);
        if (!refused)
        {
            slow.Send(slow.Seal(AcknowledgesNothing));
            h.Step();
            refused = !Queue(4 * max / messageBytes + 4 * max / 64);
        }
        var byType = new Dictionary<Type, long>();
        long held = RetainedGraph.Bytes([h.Server], byType) - baseline;
        long stated = (long)h.ServerOptions.MaxSendQueueBytes + h.ServerOptions.MaxUnreliableQueueBytes;
        TestContext.Current.TestOutputHelper?.WriteLine($"{messageBytes} B messages: {queued:N0} queued, {held:N0} bytes held (stated {stated:N0}); {RetainedGraph.Largest(byType)}");
        Assert.True(refused, "the server never refused a message");
        Assert.True(held <= stated, $"{queued:N0} messages of {messageBytes} B queued: the server holds {held:N0} bytes for the peer, over the stated {stated:N0}; {RetainedGraph.Largest(byType)}");
        h.Step();
        Assert.Contains(h.DrainServer(), e => e.Type == NetEventType.Disconnected && e.Reason == DisconnectReason.SendQueueOverflow);
    }
    /// <summary>
    /// Honest bulk traffic: the game queues the largest messages (256 KiB, 227 fragments each) for a peer that has not
    /// acknowledged them yet. docs/PROTOCOL.md §9.1 promises that the default 4 MiB queue takes 15 of them (3.75 MiB of
    /// payload, each fragment charged its own 1,159 bytes + 64) before the 16th closes the connection; charged the
    /// 1,536-byte size class above a fragment, only 11 fitted. What the server holds must still stay within the bound.
    /// </summary>
    [Fact]
    public void Bulk_fragments_fill_the_send_queue_as_far_as_the_docs_promise()
    {
        const int PromisedLargestMessages = 15;
        using var h = new TransportHarness();
        using var slow = HostilePeer.Connect(h, 2);
        h.Clients.Remove(slow.Client);
        h.Disposables.Add(slow.Client);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Step();
        long baseline = RetainedGraph.Bytes([h.Server]);
        var message = new byte[h.ServerOptions.MaxMessageSize];
        int queued = 0;
        SendResult result;
        while ((result = h.Server.Send(id, queued % 2 == 0 ? ChannelKind.ReliableOrdered : ChannelKind.ReliableUnordered, message)) == SendResult.Queued)
        {
            queued++;
            if (queued == PromisedLargestMessages / 2)
            {
                // An update between sends moves a window of fragments out of the backlogs, as a game loop would.
                slow.Send(slow.Seal(AcknowledgesNothing));
                h.Step();
            }
        }
        var byType = new Dictionary<Type, long>();
        long held = RetainedGraph.Bytes([h.Server], byType) - baseline;
        long stated = (long)h.ServerOptions.MaxSendQueueBytes + h.ServerOptions.MaxUnreliableQueueBytes;
        TestContext.Current.TestOutputHelper?.WriteLine($"{queued} messages of {message.Length:N0} B queued, {held:N0} bytes held (stated {stated:N0}); {RetainedGraph.Largest(byType)}");
        Assert.True(queued >= PromisedLargestMessages, $"only {queued} messages of {message.Length:N0} B fitted the {h.ServerOptions.MaxSendQueueBytes:N0}-byte queue; the docs promise {PromisedLargestMessages}");
        Assert.True(held <= stated, $"the server holds {held:N0} bytes for the peer, over the stated {stated:N0}; {RetainedGraph.Largest(byType)}");
        h.Step();
        Assert.Contains(h.DrainServer(), e => e.Type == NetEventType.Disconnected && e.Reason == DisconnectReason.SendQueueOverflow);
    }
}
