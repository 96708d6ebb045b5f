namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Variable-length integers in the bit stream: 7 value bits then one continuation bit per group,
/// least significant group first. A 32-bit value takes 1–5 groups, a 64-bit value 1–10.
/// Signed values are zig-zag mapped first.
/// </summary>
public static class VarIntExtensions
{
    /// <summary>Writes <paramref name="value"/> as a varint.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteVarUInt64(this ref BitWriter writer, ulong value)
    {
        while (value >= 0x80)
        {
            writer.WriteBits((value & 0x7F) | 0x80, 8);
            value >>= 7;
        }

        writer.WriteBits(value, 8);
    }

    /// <summary>Writes <paramref name="value"/> as a varint.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteVarUInt32(this ref BitWriter writer, uint value) => writer.WriteVarUInt64(value);

    /// <summary>Writes <paramref name="value"/> zig-zag mapped, as a varint.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteVarInt32(this ref BitWriter writer, int value) => writer.WriteVarUInt64(ZigZag.Encode(value));

    /// <summary>Writes <paramref name="value"/> zig-zag mapped, as a varint.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteVarInt64(this ref BitWriter writer, long value) => writer.WriteVarUInt64(ZigZag.Encode(value));

    /// <summary>Reads a varint of at most 64 bits; more than 10 groups, or bits beyond 64, fail the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public static ulong ReadVarUInt64(this ref BitReader reader) => reader.ReadVarUInt(64);

    /// <summary>Reads a varint of at most 32 bits; a longer encoding fails the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public static uint ReadVarUInt32(this ref BitReader reader) => (uint)reader.ReadVarUInt(32);

    /// <summary>Reads a zig-zag varint of at most 32 bits.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public static int ReadVarInt32(this ref BitReader reader) => ZigZag.Decode(reader.ReadVarUInt32());

    /// <summary>Reads a zig-zag varint of at most 64 bits.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public static long ReadVarInt64(this ref BitReader reader) => ZigZag.Decode(reader.ReadVarUInt64());

    private static ulong ReadVarUInt(this ref BitReader reader, int maxBits)
    {
        ulong result = 0;
        for (int shift = 0; shift < maxBits; shift += 7)
        {
            ulong group = reader.ReadBits(8);
            ulong payload = group & 0x7F;
            // A group whose bits land beyond maxBits is not something our writer produces.
            if (shift + 7 > maxBits && (payload >> (maxBits - shift)) != 0)
            {
                reader.Fail();
                return 0;
            }

            result |= payload << shift;
            if ((group & 0x80) == 0)
            {
                return reader.IsFailed ? 0 : result;
            }
        }

        reader.Fail();
        return 0;
    }
}
