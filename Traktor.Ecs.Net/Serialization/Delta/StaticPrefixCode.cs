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
    private static readonly int[] FirstCodeOfLength = new int[MaxLength + 2];
    private static readonly int[] FirstIndexOfLength = new int[MaxLength + 2];
    private static readonly int[] CountOfLength = new int[MaxLength + 2];
    private static readonly byte[] SymbolsByCode = new byte[DeltaBuckets.Count];

    static StaticPrefixCode()
    {
        int index = 0;
        int code = 0;
        for (int length = 1; length <= MaxLength; length++)
        {
            FirstCodeOfLength[length] = code;
            FirstIndexOfLength[length] = index;
            for (int symbol = 0; symbol < DeltaBuckets.Count; symbol++)
            {
                if (LengthTable[symbol] == length)
                {
                    CodeTable[symbol] = (ushort)code;
                    ReversedCodeTable[symbol] = Reverse(code, length);
                    SymbolsByCode[index++] = (byte)symbol;
                    CountOfLength[length]++;
                    code++;
                }
            }

            code <<= 1;
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

    /// <summary>Reads one symbol; the one unused 8-bit code fails the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>0 to 15, or 0 when failed.</returns>
    public static int Read(ref BitReader reader)
    {
        int code = 0;
        for (int length = 1; length <= MaxLength; length++)
        {
            code = (code << 1) | (int)reader.ReadBits(1);
            int offset = code - FirstCodeOfLength[length];
            if (offset >= 0 && offset < CountOfLength[length])
            {
                return reader.IsFailed ? 0 : SymbolsByCode[FirstIndexOfLength[length] + offset];
            }
        }

        reader.Fail();
        return 0;
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
