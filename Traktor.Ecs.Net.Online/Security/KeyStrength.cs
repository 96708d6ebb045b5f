namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// A floor on how random a configured secret looks: its length times the empirical Shannon entropy of its symbols.
/// It cannot prove a key random, but it refuses what people actually paste: a repeated character, a word, a base64
/// encoding of a readable sentence (32 random bytes score about 150 bits; a sentence of 32 characters about 130,
/// so text is refused separately by <see cref="IsPrintableText"/>).
/// </summary>
internal static class KeyStrength
{
    /// <summary>The least estimated entropy of a signing key, in bits.</summary>
    public const double MinSigningKeyBits = 128;

    /// <summary>The least estimated entropy of a server key, in bits.</summary>
    public const double MinServerKeyBits = 96;

    /// <summary>Length times the empirical entropy per symbol, in bits.</summary>
    public static double EstimatedBits<T>(ReadOnlySpan<T> symbols) where T : IEquatable<T>
    {
        if (symbols.IsEmpty)
        {
            return 0;
        }
        var counts = new Dictionary<T, int>();
        foreach (var symbol in symbols)
        {
            counts[symbol] = counts.GetValueOrDefault(symbol) + 1;
        }
        double perSymbol = 0;
        foreach (int count in counts.Values)
        {
            double p = (double)count / symbols.Length;
            perSymbol -= p * Math.Log2(p);
        }
        return perSymbol * symbols.Length;
    }

    /// <summary>Whether every byte is printable ASCII: a key that decodes to text was typed, not generated (32 random bytes are all printable with probability 2·10⁻¹⁴).</summary>
    public static bool IsPrintableText(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return false;
            }
        }
        return true;
    }
}
