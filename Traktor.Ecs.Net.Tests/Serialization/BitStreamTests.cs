using CsCheck;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Serialization;

public class BitStreamTests
{
    private static readonly Gen<(ulong Value, int Bits)[]> Fields =
        Gen.Int[1, 64].SelectMany(bits => Gen.ULong.Select(v => (bits == 64 ? v : v & ((1UL << bits) - 1), bits))).Array[0, 200];

    [Fact]
    public void Fields_of_every_width_round_trip()
    {
        Fields.Sample(fields =>
        {
            var buffer = new byte[fields.Length * 8 + 1];
            var writer = new BitWriter(buffer);
            foreach (var (value, bits) in fields)
            {
                writer.WriteBits(value, bits);
            }

            Assert.False(writer.IsOverflowed);
            Assert.Equal(fields.Sum(f => (long)f.Bits), writer.BitsWritten);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            foreach (var (value, bits) in fields)
            {
                Assert.Equal(value, reader.ReadBits(bits));
            }

            Assert.False(reader.IsFailed);
            Assert.True(reader.BitsRemaining < 8);
        }, iter: 2000);
    }

    [Fact]
    public void Writing_into_an_exactly_sized_buffer_uses_the_slow_path_correctly()
    {
        Fields.Sample(fields =>
        {
            long bits = fields.Sum(f => (long)f.Bits);
            var buffer = new byte[(bits + 7) / 8];
            var writer = new BitWriter(buffer);
            foreach (var (value, width) in fields)
            {
                writer.WriteBits(value, width);
            }

            Assert.False(writer.IsOverflowed);
            var reader = new BitReader(buffer);
            foreach (var (value, width) in fields)
            {
                Assert.Equal(value, reader.ReadBits(width));
            }

            Assert.False(reader.IsFailed);
        }, iter: 1000);
    }

    [Fact]
    public void Signed_fields_and_bools_round_trip()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 32], Gen.Bool).Sample((value, bits, flag) =>
        {
            int fitted = bits == 32 ? value : (int)(value << (32 - bits)) >> (32 - bits);
            Span<byte> buffer = stackalloc byte[16];
            var writer = new BitWriter(buffer);
            writer.WriteBool(flag);
            writer.WriteInt32(fitted, bits);
            var reader = new BitReader(buffer[..writer.BytesWritten]);
            Assert.Equal(flag, reader.ReadBool());
            Assert.Equal(fitted, reader.ReadInt32(bits));
            Assert.False(reader.IsFailed);
        }, iter: 2000);
    }

    [Fact]
    public void Writer_overflow_drops_the_field_and_every_later_one_without_throwing()
    {
        var buffer = new byte[2];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0x3FF, 10);
        writer.WriteBits(0x7F, 7);
        Assert.True(writer.IsOverflowed);
        writer.WriteBool(true);
        Assert.Equal(10, writer.BitsWritten);
        writer.WriteBits(1, 0);
        writer.WriteBits(1, 65);
        Assert.True(writer.IsOverflowed);
    }

    [Fact]
    public void Reader_past_the_end_fails_and_returns_zero_from_then_on()
    {
        var reader = new BitReader([0xFF]);
        Assert.Equal(0x7FUL, reader.ReadBits(7));
        Assert.Equal(0UL, reader.ReadBits(2));
        Assert.True(reader.IsFailed);
        Assert.False(reader.ReadBool());
        Assert.Equal(0, reader.BitsRemaining);
    }

    [Fact]
    public void Peek_does_not_consume_and_reads_zeros_past_the_end()
    {
        var reader = new BitReader([0xAB]);
        Assert.Equal(0xBUL, reader.PeekBits(4));
        Assert.Equal(0xABUL, reader.PeekBits(8));
        Assert.Equal(0xABUL, reader.PeekBits(16));
        Assert.Equal(0xBUL, reader.ReadBits(4));
        Assert.Equal(0xAUL, reader.PeekBits(8));
        Assert.False(reader.IsFailed);
        reader.ReadBits(4);
        Assert.Equal(0UL, reader.PeekBits(8));
        Assert.False(reader.IsFailed);
    }

    [Fact]
    public void Invalid_widths_fail_the_reader()
    {
        var reader = new BitReader(new byte[16]);
        Assert.Equal(0UL, reader.ReadBits(0));
        Assert.True(reader.IsFailed);
        var second = new BitReader(new byte[16]);
        Assert.Equal(0u, second.ReadUInt32(33));
        Assert.True(second.IsFailed);
    }

    [Fact]
    public void Aligned_blocks_round_trip_after_unaligned_fields()
    {
        Gen.Select(Gen.Int[1, 7], Gen.Byte.Array[0, 40]).Sample((lead, block) =>
        {
            var buffer = new byte[64];
            var writer = new BitWriter(buffer);
            writer.WriteBits(1, lead);
            writer.WriteAlignedBytes(block);
            writer.WriteBits(5, 3);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            Assert.Equal(1UL, reader.ReadBits(lead));
            var copy = new byte[block.Length];
            reader.ReadAlignedBytes(copy);
            Assert.Equal(block, copy);
            Assert.Equal(5UL, reader.ReadBits(3));
            Assert.False(reader.IsFailed);
        });
    }

    [Fact]
    public void Reserved_block_can_be_filled_and_partly_returned()
    {
        var buffer = new byte[16];
        var writer = new BitWriter(buffer);
        writer.WriteBits(3, 2);
        var block = writer.ReserveAlignedBytes(10);
        Assert.Equal(10, block.Length);
        block[0] = 42;
        writer.ReturnUnusedBytes(9);
        Assert.Equal(2, writer.BytesWritten);
        Assert.True(writer.ReserveAlignedBytes(100).IsEmpty);
        Assert.True(writer.IsOverflowed);
        Assert.Equal(42, buffer[1]);
    }
}
