using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The receive bounds of docs/PROTOCOL.md §9.1 that hold whatever the peers and the caller do: the shared event queue's
/// message and byte bounds when the application never polls, a connection's byte budget per update, and the datagrams
/// one <c>Update</c> reads from the socket.
/// </summary>
public class ReceiveBoundTests
{
    /// <summary>One packet of <paramref name="count"/> unreliable messages of <paramref name="length"/> bytes from each peer, <paramref name="packets"/> times.</summary>
    private static void SendFromEach(IEnumerable<HostilePeer> peers, int packets, int count, int length)
    {
        var plaintext = HostilePeer.UnreliableRecords(count, length);
        foreach (var peer in peers)
        {
            for (int i = 0; i < packets; i++) peer.Send(peer.Seal(plaintext));
        }
    }

    [Fact]
    public void Messages_never_polled_stop_at_the_queue_bound_and_cost_no_one_their_connection()
    {
        const int Bound = 2048;
        using var h = new TransportHarness(configure: o => o.MaxQueuedMessages = Bound);
        var peers = Enumerable.Range(0, 3).Select(i => HostilePeer.Connect(h, (ulong)(10 + i))).ToList();
        h.DrainServer();
        long capacity = 0;
        for (int update = 0; update < 50; update++)
        {
            // 8 × 128 = 1,024 one-byte messages per peer per update: each within its own budget, 3,072 together.
            SendFromEach(peers, packets: 8, count: 128, length: 1);
            h.Step();
            Assert.True(h.Server.PendingEvents <= Bound, $"{h.Server.PendingEvents} events waiting after update {update}");
            capacity = Math.Max(capacity, h.Server.EventQueueCapacityBytes);
        }

        // Full from the second update on; the rest was dropped (unreliable) and counted, and nobody was punished for
        // the application's not polling.
        Assert.Equal(Bound, h.Server.PendingEvents);
        Assert.Equal(50L * 3 * 1024 - Bound, h.Server.Counters.MessagesOverBudget);
        Assert.Equal(0, h.Server.Counters.ProtocolViolations);
        Assert.Equal(3, h.Server.ConnectionCount);
        // Entries of 2,048 events (the array doubles from 256) and at most 2,048 bytes of arena beyond the steady 64 KiB.
        Assert.True(capacity <= 4096 * 64 + 2 * EventQueue.SteadyArenaBytes, $"queue arrays hold {capacity:N0} bytes");

        var events = h.DrainServer();
        Assert.Equal(Bound, events.Count(e => e.Type == NetEventType.Message));
        SendFromEach(peers, packets: 1, count: 5, length: 1);
        h.Step();
        Assert.Equal(15, h.DrainServer().Count(e => e.Type == NetEventType.Message)); // delivering again once polled
        foreach (var peer in peers) peer.Dispose();
    }

    [Fact]
    public void Message_bytes_never_polled_stop_at_the_queue_byte_bound()
    {
        const int Bytes = 1024 * 1024;
        const int Length = 1100;
        using var h = new TransportHarness(configure: o =>
        {
            o.MaxMessageSize = 64 * 1024;
            o.MaxMessageBytesPerConnection = 256 * 1024;
            o.MaxQueuedMessageBytes = Bytes;
        });
        var peers = Enumerable.Range(0, 3).Select(i => HostilePeer.Connect(h, (ulong)(10 + i))).ToList();
        h.DrainServer();
        for (int update = 0; update < 20; update++)
        {
            // 100 messages of 1,100 bytes per peer per update: 110,000 bytes each, within the per-connection budget.
            SendFromEach(peers, packets: 100, count: 1, length: Length);
            h.Step();
            Assert.True(h.Server.EventQueueCapacityBytes <= (long)4096 * 64 + Bytes, $"queue arrays hold {h.Server.EventQueueCapacityBytes:N0} bytes");
        }

        Assert.Equal(Bytes / Length, h.Server.PendingEvents);
        Assert.Equal(20L * 3 * 100 - Bytes / Length, h.Server.Counters.MessagesOverBudget);
        Assert.Equal(0, h.Server.Counters.ProtocolViolations);
        Assert.Equal(3, h.Server.ConnectionCount);
        foreach (var peer in peers) peer.Dispose();
    }

    [Fact]
    public void A_connection_is_held_to_its_message_bytes_per_update_and_disconnected_when_it_keeps_exceeding_them()
    {
        const int BytesPerUpdate = 32 * 1024;
        const int Length = 1100;
        using var h = new TransportHarness(configure: o =>
        {
            o.MaxMessageSize = 16 * 1024;
            o.MaxMessageBytesPerConnection = BytesPerUpdate;
        });
        using var abuser = HostilePeer.Connect(h, 2);
        var honest = h.Connect(1);
        h.DrainServer();
        var honestMessage = new byte[Length];
        DisconnectReason? end = null;
        int most = 0, honestReceived = 0, updates = 0;
        for (; updates < 60 && end is null; updates++)
        {
            SendFromEach([abuser], packets: 100, count: 1, length: Length); // 110,000 bytes per update
            honest.Send(ChannelKind.ReliableOrdered, honestMessage);
            h.Step();
            int bytes = 0;
            foreach (var e in h.DrainServer())
            {
                if (e.Type == NetEventType.Disconnected) end = e.Reason;
                if (e.Type == NetEventType.Message && e.ClientId == 2) bytes += e.Data.Length;
                if (e.Type == NetEventType.Message && e.ClientId == 1) honestReceived++;
            }
            Assert.True(bytes <= BytesPerUpdate, $"{bytes:N0} bytes from one connection in one update");
            most = Math.Max(most, bytes);
        }

        Assert.Equal(BytesPerUpdate / Length * Length, most);
        Assert.Equal(DisconnectReason.ProtocolViolation, end);
        // Every update drops 80,300 bytes, three updates' worth of the byte budget: three violations, and the sixth closes it.
        Assert.Equal(6, updates);
        Assert.True(h.RunUntil(() => (honestReceived += h.DrainServer().Count(e => e.Type == NetEventType.Message)) == updates));
        Assert.Equal(ClientState.Connected, honest.State);
    }

    [Fact]
    public void One_update_reads_at_most_the_datagram_cap_and_leaves_the_rest_for_the_next()
    {
        const int Cap = 64;
        using var h = new TransportHarness(configure: o => o.MaxDatagramsPerUpdate = Cap);
        var honest = h.Connect(1);
        h.DrainServer();
        var junk = new byte[100];
        var spoofed = NetAddress.Parse("198.51.100.7:5000");
        for (int i = 0; i < 1000; i++) h.Network.Inject(junk, spoofed, h.ServerAddress);
        long before = h.Server.Counters.DatagramsReceived;
        h.Server.Update();
        Assert.Equal(Cap, h.Server.Counters.DatagramsReceived - before);
        h.Server.Update();
        Assert.Equal(2 * Cap, h.Server.Counters.DatagramsReceived - before);

        // The flood drains at the cap per update, and the honest client is served all along.
        Assert.True(h.RunUntil(() => h.Server.Counters.DatagramsReceived - before >= 1000, maxSteps: 40));
        Assert.True(h.Server.Counters.Malformed >= 1000);
        Assert.Equal(ClientState.Connected, honest.State);
    }
}
