namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// The fixed canonical prefix code for the 16 bucket symbols. Code lengths, bucket 0 to 15:
/// 1,3,4,4,4,5,5,5,6,6,6,7,7,7,8,8 (Kraft sum 63/64). Canonical codes are assigned in order of
/// (length, symbol) and sent most significant bit first.
/// </summary>
public static class StaticPrefixCode
{
    /// <summary>Longest code in bits.</summary>
    public const int MaxLength = 8;

    private static readonly byte[] LengthTable = [1, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8];
    private static readonly ushort[] CodeTable = new ushort[DeltaBuckets.Count];
    private static readonly ulong[] ReversedCodeTable = new ulong[DeltaBuckets.Count];

    // Decoding table indexed by the next 8 stream bits (first stream bit = bit 0): symbol in the
    // low nibble, code length in the high nibble; length 0 marks the unused codes.
    private static readonly byte[] DecodeTable = new byte[1 << MaxLength];

    static StaticPrefixCode()
    {
        int code = 0;
        for (int length = 1; length <= MaxLength; length++)
        {
            for (int symbol = 0; symbol < DeltaBuckets.Count; symbol++)
            {
                if (LengthTable[symbol] == length)
                {
                    CodeTable[symbol] = (ushort)code;
                    ReversedCodeTable[symbol] = Reverse(code, length);
                    code++;
                }
            }

            code <<= 1;
        }

        for (int symbol = 0; symbol < DeltaBuckets.Count; symbol++)
        {
            int length = LengthTable[symbol];
            for (int filler = 0; filler < 1 << (MaxLength - length); filler++)
            {
                DecodeTable[(int)ReversedCodeTable[symbol] | (filler << length)] = (byte)(symbol | (length << 4));
            }
        }
    }

    /// <summary>Length in bits of <paramref name="symbol"/>'s code.</summary>
    /// <param name="symbol">0 to 15.</param>
    /// <returns>1 to 8.</returns>
    public static int Length(int symbol) => LengthTable[symbol & 15];

    /// <summary>The canonical code of <paramref name="symbol"/> (most significant bit first).</summary>
    /// <param name="symbol">0 to 15.</param>
    /// <returns>The code.</returns>
    public static int Code(int symbol) => CodeTable[symbol & 15];

    /// <summary>Writes <paramref name="symbol"/>'s code.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="symbol">0 to 15.</param>
    public static void Write(ref BitWriter writer, int symbol) =>
        writer.WriteBits(ReversedCodeTable[symbol & 15], LengthTable[symbol & 15]);

    /// <summary>Reads one symbol; the unused codes fail the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>0 to 15, or 0 when failed.</returns>
    public static int Read(ref BitReader reader)
    {
        byte entry = DecodeTable[(int)reader.PeekBits(MaxLength)];
        int length = entry >> 4;
        if (length == 0 || length > reader.BitsRemaining)
        {
            reader.Fail();
            return 0;
        }

        reader.ReadBits(length);
        return entry & 15;
    }

    private static ulong Reverse(int code, int length)
    {
        ulong reversed = 0;
        for (int i = 0; i < length; i++)
        {
            reversed |= (ulong)((code >> i) & 1) << (length - 1 - i);
        }

        return reversed;
    }
}
