using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A connection writes only the low bytes of its sequences (docs/PROTOCOL.md §4, TRKNET10): the peer finds the full
/// sequence, which is the AEAD nonce, near the newest it accepted. Across byte boundaries, with loss, reordering and
/// duplicates, every reliable message still arrives, and the packets keep to one sequence byte.
/// </summary>
public class SequenceTruncationTests
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(250UL)]
    [InlineData(65_500UL)]
    [InlineData((1UL << 24) - 40)]
    [InlineData((1UL << 40) - 40)]
    public void Messages_cross_sequence_byte_boundaries_over_a_bad_link(ulong firstSequence)
    {
        var link = new LinkConditions { LatencyMs = 40, JitterMs = 20, LossPercent = 10, ReorderPercent = 10, DuplicatePercent = 5 };
        using var h = new TransportHarness(link, configure: o => o.FirstSequence = firstSequence);
        h.ServerWire.Enabled = true;
        var client = h.AddClient(link, configure: o => o.FirstSequence = firstSequence);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        var toClient = new List<int>();
        var toServer = new List<int>();
        for (int i = 0; i < 600; i++)
        {
            h.Server.Send(id, ChannelKind.ReliableOrdered, BitConverter.GetBytes(i));
            client.Send(ChannelKind.ReliableOrdered, BitConverter.GetBytes(i));
            h.Step();
            toServer.AddRange(h.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => BitConverter.ToInt32(e.Data.Span)));
            toClient.AddRange(TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => BitConverter.ToInt32(e.Data.Span)));
        }

        bool done = h.RunUntil(() =>
        {
            toServer.AddRange(h.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => BitConverter.ToInt32(e.Data.Span)));
            toClient.AddRange(TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => BitConverter.ToInt32(e.Data.Span)));
            return toServer.Count == 600 && toClient.Count == 600;
        });
        Assert.True(done, $"{toServer.Count} {toClient.Count} {h.Server.Counters} client {client.State} {client.GetStats().PacketsReceived}");
        Assert.Equal(Enumerable.Range(0, 600), toServer);
        Assert.Equal(Enumerable.Range(0, 600), toClient);

        // Once the client acknowledged something, the server writes one sequence byte (fewer than 128 unacknowledged).
        var payloads = h.ServerWire.Sent.Where(s => (s.Data[0] & PacketLayout.TypeMask) == (byte)PacketType.Payload).Skip(50).ToList();
        Assert.NotEmpty(payloads);
        Assert.All(payloads, p => Assert.Equal(0, p.Data[0] & PacketLayout.SequenceLengthMask));
        Assert.Equal(0, h.Server.Counters.InternalErrors);
    }
}
