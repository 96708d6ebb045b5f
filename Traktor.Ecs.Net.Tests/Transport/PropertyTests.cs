using CsCheck;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Properties of the small building blocks, checked against plain models on generated inputs.</summary>
public class PropertyTests
{
    [Fact]
    public void Sequence_comparison_matches_modular_distance()
    {
        Gen.Select(Gen.UShort, Gen.UShort).Sample((a, b) =>
        {
            int forward = (a - b + 65536) % 65536;
            Assert.Equal(forward is > 0 and < 32768, Sequence.IsNewer(a, b));
            if (a != b && forward != 32768) Assert.NotEqual(Sequence.IsNewer(a, b), Sequence.IsNewer(b, a));
            Assert.Equal((ushort)(b + Sequence.Difference(a, b)), a);
        });
    }

    [Fact]
    public void Ack_bits_report_exactly_the_received_packets_of_the_last_33()
    {
        Gen.Select(Gen.UShort, Gen.Int[0, 200].List[1, 80]).Sample((start, offsets) =>
        {
            var received = new ReceivedPackets();
            var seen = new HashSet<ushort>();
            foreach (int offset in offsets)
            {
                ushort sequence = (ushort)(start + offset);
                received.Record(sequence);
                seen.Add(sequence);
            }
            ushort newest = (ushort)(start + offsets.Max());
            Assert.Equal(newest, received.Latest);
            // Numbers "before" 0 were never sent by a peer counting from 0: when the first packet is one of the first 32,
            // they count as received (docs/PROTOCOL.md §6).
            bool firstLap = (ushort)(start + offsets[0]) < 32;
            for (int i = 0; i < 32; i++)
            {
                bool bit = (received.Bits & (1u << i)) != 0;
                ushort packet = (ushort)(newest - 1 - i);
                Assert.Equal(seen.Contains(packet) || (firstLap && packet >= 65_504), bit);
            }
        });
    }

    [Fact]
    public void Message_records_round_trip()
    {
        var gen = Gen.Select(Gen.Int[0, 3], Gen.UShort, Gen.Int[2, 226], Gen.Byte.Array[0, 300]);
        gen.Sample((channel, id, count, data) =>
        {
            var kind = (ChannelKind)channel;
            ushort index = (ushort)(id % count);
            bool fragment = id % 3 == 0;
            var buffer = new byte[400];
            int written = MessageRecord.Write(buffer, kind, id, fragment ? index : (ushort)0, fragment ? (ushort)count : (ushort)0, data);
            Assert.True(MessageRecord.TryRead(buffer.AsSpan(0, written), 226, out var record, out int consumed));
            Assert.Equal(written, consumed);
            Assert.Equal(kind, record.Channel);
            Assert.Equal(fragment, record.IsFragment);
            if (kind != ChannelKind.Unreliable || fragment) Assert.Equal(id, record.Id);
            Assert.Equal(data, record.Data.ToArray());
            for (int cut = 0; cut < written; cut++) Assert.False(MessageRecord.TryRead(buffer.AsSpan(0, cut), 226, out _, out _));
        });
    }

    [Fact]
    public void Replay_window_accepts_each_sequence_once_and_nothing_too_old()
    {
        Gen.ULong[1, 5000].List[1, 400].Sample(sequences =>
        {
            var window = new ReplayWindow();
            var accepted = new HashSet<ulong>();
            ulong newest = 0;
            foreach (ulong sequence in sequences)
            {
                bool expectedReplay = accepted.Contains(sequence) || sequence + ReplayWindow.Size <= newest;
                Assert.Equal(expectedReplay, window.IsReplay(sequence));
                if (expectedReplay) continue;
                window.Accept(sequence);
                accepted.Add(sequence);
                newest = Math.Max(newest, sequence);
            }
        });
    }
}
