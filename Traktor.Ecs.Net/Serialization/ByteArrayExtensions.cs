namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Byte arrays with a declared maximum: the length in <see cref="LengthBits"/>(max) bits, then the
/// bytes, 8 bits each (not aligned, so short arrays waste no padding).
/// </summary>
public static class ByteArrayExtensions
{
    /// <summary>Bits needed for a length in [0, <paramref name="maxLength"/>].</summary>
    /// <param name="maxLength">The declared maximum; at least 1.</param>
    /// <returns>1 to 31.</returns>
    public static int LengthBits(int maxLength) => Math.Max(1, 32 - int.LeadingZeroCount(Math.Max(1, maxLength)));

    /// <summary>Writes <paramref name="bytes"/>; longer than <paramref name="maxLength"/> overflows the writer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="bytes">The data.</param>
    /// <param name="maxLength">The declared maximum.</param>
    public static void WriteBytes(this ref BitWriter writer, scoped ReadOnlySpan<byte> bytes, int maxLength)
    {
        if (bytes.Length > maxLength)
        {
            // Oversized input is a caller bug; refuse the message instead of truncating silently.
            writer.WriteBits(0, 65);
            return;
        }

        writer.WriteBits((ulong)bytes.Length, LengthBits(maxLength));
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            writer.WriteBits(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]), 64);
        }

        for (; i < bytes.Length; i++)
        {
            writer.WriteBits(bytes[i], 8);
        }
    }

    /// <summary>Reads bytes written by <see cref="WriteBytes"/> into <paramref name="destination"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="destination">Receives the data; must hold <paramref name="maxLength"/> bytes.</param>
    /// <param name="maxLength">The declared maximum used to write.</param>
    /// <returns>The length read; 0 when failed (a length over the maximum or the destination fails the reader).</returns>
    public static int ReadBytes(this ref BitReader reader, scoped Span<byte> destination, int maxLength)
    {
        int length = (int)reader.ReadBits(LengthBits(maxLength));
        if (length > maxLength || length > destination.Length || (long)length * 8 > reader.BitsRemaining)
        {
            reader.Fail();
            return 0;
        }

        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], reader.ReadBits(64));
        }

        for (; i < length; i++)
        {
            destination[i] = (byte)reader.ReadBits(8);
        }

        return reader.IsFailed ? 0 : length;
    }
}
