using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Transport;

public class FragmentationTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(ChannelKind.ReliableOrdered)]
    [InlineData(ChannelKind.ReliableUnordered)]
    public void Reliable_messages_up_to_256_KiB_arrive_whole_over_a_lossy_link(ChannelKind channel)
    {
        var lossy = new LinkConditions { LatencyMs = 30, JitterMs = 10, LossPercent = 20, DuplicatePercent = 5, ReorderPercent = 5 };
        using var h = new TransportHarness(lossy, seed: 3);
        var client = h.Connect(1, lossy, seed: 4);
        h.DrainServer();
        var sizes = new[] { 256 * 1024, 1, 5000, 1200, 100_000 };
        foreach (var (size, i) in sizes.Select((s, i) => (s, i))) Assert.Equal(SendResult.Queued, client.Send(channel, Pattern(size, i)));
        var received = new List<byte[]>();
        Assert.True(h.RunUntil(() =>
        {
            received.AddRange(h.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => e.Data.ToArray()));
            return received.Count >= sizes.Length;
        }, maxSteps: 3000));
        if (channel == ChannelKind.ReliableUnordered) received = received.OrderBy(r => Array.IndexOf(sizes, r.Length)).ToList();
        for (int i = 0; i < sizes.Length; i++) Assert.Equal(Pattern(sizes[i], i), received[i]);
    }

    [Fact]
    public void Unreliable_fragmented_message_arrives_whole_on_a_clean_link()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        h.DrainServer();
        client.Send(ChannelKind.Unreliable, Pattern(50_000, 7));
        client.Send(ChannelKind.UnreliableSequenced, Pattern(20_000, 8));
        h.Step();
        h.Step();
        var messages = h.DrainServer().Where(e => e.Type == NetEventType.Message).ToList();
        Assert.Equal(Pattern(50_000, 7), messages.Single(m => m.Channel == ChannelKind.Unreliable).Data.ToArray());
        Assert.Equal(Pattern(20_000, 8), messages.Single(m => m.Channel == ChannelKind.UnreliableSequenced).Data.ToArray());
    }

    [Fact]
    public void A_small_mtu_still_connects_and_fragments_to_fit()
    {
        using var h = new TransportHarness(configure: o => o.Mtu = 300);
        h.ServerWire.Enabled = true;
        var client = h.AddClient(configure: o => o.Mtu = 300);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Server.Send(id, ChannelKind.ReliableOrdered, Pattern(5000, 1));
        var received = new List<byte[]>();
        Assert.True(h.RunUntil(() =>
        {
            received.AddRange(TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => e.Data.ToArray()));
            return received.Count == 1;
        }));
        Assert.Equal(Pattern(5000, 1), received[0]);
        Assert.Equal(300 - 41, h.Server.MaxUnfragmentedMessageSize); // MTU − sealed overhead 25 − longest ack header 7 − longest record header 9
        Assert.All(h.ServerWire.Sent, s => Assert.True(s.Data.Length <= 300, $"{s.Data.Length}-byte datagram"));
    }

    [Fact]
    public void Messages_over_the_maximum_are_refused()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        Assert.Equal(SendResult.TooLarge, client.Send(ChannelKind.ReliableOrdered, new byte[256 * 1024 + 1]));
    }

    [Fact]
    public void Sequenced_channel_drops_older_messages()
    {
        using var h = new TransportHarness(new LinkConditions { LatencyMs = 50, JitterMs = 20 }, seed: 9);
        var client = h.Connect(1, new LinkConditions { LatencyMs = 50, JitterMs = 20 }, seed: 10);
        h.DrainServer();
        var values = new List<byte>();
        for (int i = 0; i < 200; i++)
        {
            client.Send(ChannelKind.UnreliableSequenced, [(byte)i]);
            h.Step(8);
            values.AddRange(h.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => e.Data.Span[0]));
        }
        Assert.InRange(values.Count, 20, 199); // some arrive late and are dropped, most get through
        for (int i = 1; i < values.Count; i++) Assert.True(values[i] > values[i - 1]);
    }

    [Fact]
    public void Fragment_headers_are_checked_before_anything_is_copied()
    {
        Span<byte> record = stackalloc byte[32];
        int length = MessageRecord.Write(record, ChannelKind.ReliableOrdered, 5, 3, 4, [1, 2, 3]);
        Assert.True(MessageRecord.TryRead(record[..length], 231, out var ok, out _));
        Assert.Equal(3, ok.FragmentIndex);
        // index == count, count over the maximum, count of 1, and a length past the end are all refused.
        Assert.False(MessageRecord.TryRead(Patch(record[..length], 5, 4), 231, out _, out _));
        Assert.False(MessageRecord.TryRead(Patch(record[..length], 7, 232), 231, out _, out _));
        Assert.False(MessageRecord.TryRead(Patch(Patch(record[..length], 5, 0), 7, 1), 231, out _, out _));
        Assert.False(MessageRecord.TryRead(Patch(record[..length], 1, 4), 231, out _, out _));
        Assert.False(MessageRecord.TryRead(record[..(length - 1)], 231, out _, out _));
    }

    private static Span<byte> Patch(Span<byte> record, int offset, ushort value)
    {
        var copy = record.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
