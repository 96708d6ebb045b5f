using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// TRKNET09's framing (docs/PROTOCOL.md §6–7): ack headers of 3, 4 or 7 bytes, record lengths of one byte, and no length
/// for the last record. A steady packet with one short message costs 6 bytes of framing plus the sealed header and tag.
/// </summary>
public class CompactFramingTests
{
    /// <summary>Ack bits as they occur: mostly all set, with a few holes, sometimes anything.</summary>
    private static readonly Gen<uint> AckBits = Gen.OneOf(
        Gen.Const(uint.MaxValue),
        Gen.Int[0, 31].Select(i => ~(1u << i)),
        Gen.Select(Gen.Int[0, 31], Gen.Int[0, 31]).Select((i, j) => ~((1u << i) | (1u << j))),
        Gen.UInt);

    [Fact]
    public void Ack_headers_round_trip_in_the_shortest_form_their_missing_packets_allow()
    {
        Gen.Select(Gen.UShort, AckBits).Sample((ack, bits) =>
        {
            var buffer = new byte[AckHeader.MaxSize + 4];
            int written = AckHeader.Write(buffer, ack, bits);
            int missing = BitOperations.PopCount(~bits);
            Assert.Equal(missing <= 1 ? 3 : missing == 2 ? 4 : 7, written);
            Assert.Equal(written, AckHeader.Size(bits));
            Assert.True(AckHeader.TryRead(buffer, out ushort readAck, out uint readBits, out int length));
            Assert.Equal((ack, bits, written), (readAck, readBits, length));
            for (int cut = 0; cut < written; cut++) Assert.False(AckHeader.TryRead(buffer.AsSpan(0, cut), out _, out _, out _));
        });
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x34, 0x12 }, 0x1234, uint.MaxValue, 3)]
    [InlineData(new byte[] { 0x85, 0x34, 0x12 }, 0x1234, ~(1u << 1), 3)]
    [InlineData(new byte[] { 0x83, 0x34, 0x12, 0x0F, 0, 0, 0 }, 0x1234, 0x0Fu, 7)]
    public void Bit_7_marks_an_ack_eliciting_header_and_changes_nothing_else(byte[] header, int ack, uint bits, int length)
    {
        Assert.True(AckHeader.TryRead(header, out ushort readAck, out uint readBits, out int readLength));
        Assert.Equal(((ushort)ack, bits, length), (readAck, readBits, readLength));
        Assert.True(AckHeader.Elicits(header));
        header[0] &= 0x7F;
        Assert.True(AckHeader.TryRead(header, out readAck, out readBits, out readLength));
        Assert.Equal(((ushort)ack, bits, length), (readAck, readBits, readLength));
        Assert.False(AckHeader.Elicits(header));
    }

    [Theory]
    [InlineData(new byte[] { 0x84, 0, 0 })] // an index on the all-received form, bit 7 (elicits an ack) set
    [InlineData(new byte[] { 0x04, 0, 0 })] // an index on the all-received form
    [InlineData(new byte[] { 0x07, 0, 0, 0, 0, 0, 0 })] // an index on the literal form
    [InlineData(new byte[] { 0x0A, 0, 0, 2 })] // two missing, the second not above the first
    [InlineData(new byte[] { 0x0A, 0, 0, 1 })] // two missing, the second below the first
    [InlineData(new byte[] { 0x02, 0, 0, 32 })] // two missing, the second beyond 31
    [InlineData(new byte[] { 0x03, 0, 0, 0, 0, 0 })] // literal form cut short
    public void Ack_headers_outside_the_four_forms_are_refused(byte[] header)
    {
        Assert.False(AckHeader.TryRead(header, out _, out _, out _));
    }

    [Fact]
    public void Records_written_short_and_the_last_to_the_end_read_back_exactly()
    {
        var record = Gen.Select(Gen.Int[0, 3], Gen.UShort, Gen.Bool, Gen.Byte.Array[1, 600]);
        record.List[1, 6].Sample(records =>
        {
            var payload = new byte[8192];
            int end = 0, last = 0;
            foreach (var (channel, id, fragment, data) in records)
            {
                last = end;
                int n = MessageRecord.Write(payload.AsSpan(end), (ChannelKind)channel, id, fragment ? (ushort)1 : (ushort)0, fragment ? (ushort)3 : (ushort)0, data);
                int header = MessageRecord.HeaderSize((ChannelKind)channel, fragment, data.Length < 256 ? 1 : 2);
                Assert.Equal(header + data.Length, n);
                end += n;
            }

            int lengthField = records[^1].Item4.Length < 256 ? 1 : 2;
            int shortened = MessageRecord.MakeLast(payload, last, end);
            Assert.Equal(end - lengthField, shortened);
            var rest = payload.AsSpan(0, shortened);
            foreach (var (channel, id, fragment, data) in records)
            {
                Assert.True(MessageRecord.TryRead(rest, 3, out var read, out int consumed));
                Assert.Equal((ChannelKind)channel, read.Channel);
                Assert.Equal(fragment, read.IsFragment);
                if (channel != 0 || fragment) Assert.Equal(id, read.Id);
                Assert.Equal(data, read.Data.ToArray());
                rest = rest[consumed..];
            }

            Assert.True(rest.IsEmpty);
        });
    }

    [Fact]
    public void A_record_with_both_length_flags_or_reserved_bits_is_refused()
    {
        Assert.False(MessageRecord.TryRead([0x18, 1, 7], 2, out _, out _));
        Assert.False(MessageRecord.TryRead([0x20, 1, 0, 7], 2, out _, out _));
        Assert.True(MessageRecord.TryRead([0x10, 7, 8], 2, out var toEnd, out int consumed));
        Assert.Equal([7, 8], toEnd.Data.ToArray());
        Assert.Equal(3, consumed);
        Assert.True(MessageRecord.TryRead([0x08, 1, 7, 0x10, 9], 2, out var shortOne, out consumed));
        Assert.Equal([7], shortOne.Data.ToArray());
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void A_steady_packet_with_one_short_message_spends_six_bytes_on_framing()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < 40; i++)
        {
            h.Server.Send(id, ChannelKind.Unreliable, [1]);
            h.Step();
            TransportHarness.DrainClient(client);
        }

        h.Step();
        TransportHarness.DrainClient(client);
        h.ServerWire.Enabled = true;
        var message = Enumerable.Range(0, 90).Select(i => (byte)i).ToArray();
        h.Server.Send(id, ChannelKind.Unreliable, message);
        h.Server.Flush();
        var datagram = Assert.Single(h.ServerWire.Sent).Data;
        // prefix 1 + sequence 1 + ack header 3 (every earlier packet acknowledged) + record flags 1 (the last record has
        // no length) + the message + tag 16. TRKNET08 spent 6 + 3 where this spends 3 + 1.
        Assert.Equal(1 + 1 + 3 + 1 + message.Length + 16, datagram.Length);

        h.Step();
        var received = TransportHarness.DrainClient(client).Single(e => e.Type == NetEventType.Message);
        Assert.Equal(message, received.Data.ToArray());
    }

    [Fact]
    public void Two_messages_cost_a_length_byte_for_the_first_and_none_for_the_last()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < 40; i++)
        {
            h.Server.Send(id, ChannelKind.Unreliable, [1]);
            h.Step();
            TransportHarness.DrainClient(client);
        }

        h.Step();
        TransportHarness.DrainClient(client);
        h.ServerWire.Enabled = true;
        h.Server.Send(id, ChannelKind.Unreliable, new byte[7]);
        h.Server.Send(id, ChannelKind.Unreliable, new byte[300]);
        h.Server.Flush();
        Assert.Equal(1 + 1 + 3 + (2 + 7) + (1 + 300) + 16, Assert.Single(h.ServerWire.Sent).Data.Length);
        h.Step();
        var lengths = TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).Select(e => e.Data.Length);
        Assert.Equal([7, 300], lengths);
    }

    [Fact]
    public void Sparse_acks_report_exactly_the_packets_that_arrived()
    {
        // Every server packet carries one tracked message; the link drops a generated set of them. The client's acks
        // then take every form (none, one, two or many of the last 32 missing), and each receipt must come back
        // Delivered exactly when its packet arrived.
        var drops = Gen.OneOf(Gen.Int[0, 99], Gen.Int[0, 20], Gen.Int[40, 43]).HashSet[0, 40];
        drops.Sample(dropped =>
        {
            var toClient = new LinkConditions();
            using var h = new TransportHarness(toClient);
            var client = h.Connect(1);
            var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
            var seen = new List<NetEvent>();
            for (uint packet = 0; packet < 100; packet++)
            {
                toClient.LossPercent = dropped.Contains((int)packet) ? 100 : 0;
                h.Server.SendTracked(id, [(byte)packet], receipt: packet);
                h.Server.Flush();
                toClient.LossPercent = 0;
                h.Step();
                seen.AddRange(h.DrainServer());
                TransportHarness.DrainClient(client);
            }

            for (int i = 0; i < 80; i++)
            {
                h.Server.Send(id, ChannelKind.Unreliable, [0]); // later packets resolve the last ones
                h.Step();
                seen.AddRange(h.DrainServer());
                TransportHarness.DrainClient(client);
            }

            var receipts = seen.Where(e => e.Type is NetEventType.Delivered or NetEventType.Lost).ToList();
            Assert.Equal(100, receipts.Count);
            Assert.Equal(100, receipts.Select(e => e.Receipt).Distinct().Count());
            Assert.All(receipts, e => Assert.Equal(dropped.Contains((int)e.Receipt) ? NetEventType.Lost : NetEventType.Delivered, e.Type));
        }, iter: 12);
    }
}
