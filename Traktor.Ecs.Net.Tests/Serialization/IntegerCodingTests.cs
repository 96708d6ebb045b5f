using CsCheck;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Serialization;

public class IntegerCodingTests
{
    [Fact]
    public void ZigZag_round_trips_and_orders_by_magnitude()
    {
        Gen.Int.Sample(v => Assert.Equal(v, ZigZag.Decode(ZigZag.Encode(v))), iter: 10_000);
        Gen.Long.Sample(v => Assert.Equal(v, ZigZag.Decode(ZigZag.Encode(v))), iter: 10_000);
        Assert.Equal(0u, ZigZag.Encode(0));
        Assert.Equal(1u, ZigZag.Encode(-1));
        Assert.Equal(2u, ZigZag.Encode(1));
        Assert.Equal(uint.MaxValue, ZigZag.Encode(int.MinValue));
        Assert.Equal(ulong.MaxValue - 1, ZigZag.Encode(long.MaxValue));
    }

    [Fact]
    public void Varints_round_trip_including_extremes()
    {
        Gen.Select(Gen.UInt, Gen.ULong, Gen.Int, Gen.Long).Sample((u32, u64, i32, i64) =>
        {
            Span<byte> buffer = stackalloc byte[64];
            var writer = new BitWriter(buffer);
            writer.WriteVarUInt32(u32);
            writer.WriteVarUInt64(u64);
            writer.WriteVarInt32(i32);
            writer.WriteVarInt64(i64);
            var reader = new BitReader(buffer[..writer.BytesWritten]);
            Assert.Equal(u32, reader.ReadVarUInt32());
            Assert.Equal(u64, reader.ReadVarUInt64());
            Assert.Equal(i32, reader.ReadVarInt32());
            Assert.Equal(i64, reader.ReadVarInt64());
            Assert.False(reader.IsFailed);
        }, iter: 5000);
    }

    [Theory]
    [InlineData(0u, 8)]
    [InlineData(127u, 8)]
    [InlineData(128u, 16)]
    [InlineData(uint.MaxValue, 40)]
    public void Varint_sizes_follow_seven_bit_groups(uint value, int expectedBits)
    {
        Span<byte> buffer = stackalloc byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteVarUInt32(value);
        Assert.Equal(expectedBits, writer.BitsWritten);
    }

    [Fact]
    public void Overlong_or_oversized_varints_fail()
    {
        var tooManyGroups = Enumerable.Repeat((byte)0x80, 11).Append((byte)0).ToArray();
        var reader = new BitReader(tooManyGroups);
        Assert.Equal(0UL, reader.ReadVarUInt64());
        Assert.True(reader.IsFailed);

        // Fifth group of a 32-bit varint may only carry 4 bits.
        var reader32 = new BitReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F]);
        Assert.Equal(0u, reader32.ReadVarUInt32());
        Assert.True(reader32.IsFailed);
    }

    [Fact]
    public void Network_ids_enums_and_byte_arrays_round_trip()
    {
        Gen.Select(Gen.UInt, Gen.Byte.Array[0, 40], Gen.Enum<DayOfWeek>(), Gen.Short).Sample((id, bytes, day, shortEnum) =>
        {
            var buffer = new byte[128];
            var writer = new BitWriter(buffer);
            writer.WriteNetworkId(new NetworkId(id));
            writer.WriteBytes(bytes, 40);
            writer.WriteEnum(day, 3);
            writer.WriteEnum((SignedEnum)shortEnum, 16);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            Assert.Equal(new NetworkId(id), reader.ReadNetworkId());
            var copy = new byte[40];
            int length = reader.ReadBytes(copy, 40);
            Assert.Equal(bytes, copy[..length]);
            Assert.Equal(day, reader.ReadEnum<DayOfWeek>(3));
            Assert.Equal((SignedEnum)shortEnum, reader.ReadEnum<SignedEnum>(16));
            Assert.False(reader.IsFailed);
        }, iter: 2000);
    }

    [Fact]
    public void Byte_array_over_its_maximum_overflows_the_writer_and_fails_the_reader()
    {
        var buffer = new byte[64];
        var writer = new BitWriter(buffer);
        writer.WriteBytes(new byte[5], 4);
        Assert.True(writer.IsOverflowed);

        // Length field of 3 bits (max 4) claiming 7.
        var reader = new BitReader([0x07, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(0, reader.ReadBytes(new byte[8], 4));
        Assert.True(reader.IsFailed);
    }

    [Fact]
    public void Fixed_strings_round_trip_and_truncate_on_character_boundaries()
    {
        Gen.String.Sample(text =>
        {
            var s32 = new FixedString32(text);
            var s64 = new FixedString64(text);
            Assert.True(s32.Length <= FixedString32.Capacity);
            Assert.StartsWith(s32.ToString(), text, StringComparison.Ordinal);
            Assert.StartsWith(s64.ToString(), text, StringComparison.Ordinal);
            var buffer = new byte[96];
            var writer = new BitWriter(buffer);
            writer.WriteFixedString32(s32);
            writer.WriteFixedString64(s64);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            Assert.Equal(s32, reader.ReadFixedString32());
            Assert.Equal(s64, reader.ReadFixedString64());
            Assert.False(reader.IsFailed);
        }, iter: 2000);

        var euro = new FixedString32(new string('€', 20));
        Assert.Equal(30, euro.Length);
        Assert.Equal(new string('€', 10), euro.ToString());
    }

    private enum SignedEnum : short
    {
    }
}
