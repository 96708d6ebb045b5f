namespace Traktor.Ecs.Net.Transport;

/// <summary>Wraparound-safe arithmetic on 16-bit sequence numbers (RFC 1982 serial numbers).</summary>
public static class Sequence
{
    /// <summary>True when <paramref name="a"/> is newer than <paramref name="b"/>, across the 65,535 → 0 wrap.</summary>
    public static bool IsNewer(ushort a, ushort b) => Difference(a, b) > 0;

    /// <summary>True when tick <paramref name="a"/> is newer than <paramref name="b"/>, across the 2^32 − 1 → 0 wrap.</summary>
    internal static bool IsNewer(uint a, uint b) => (int)(a - b) > 0;

    /// <summary>The signed distance a − b in the range [−32768, 32767].</summary>
    public static int Difference(ushort a, ushort b) => (short)(ushort)(a - b);
}
