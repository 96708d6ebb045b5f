using System.Text;

namespace Traktor.Ecs.Net.Generators;

/// <summary>FNV-1a, 64-bit, over UTF-8: the protocol hash of the canonical schema text.</summary>
internal static class Fnv1a64
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Hash(string text)
    {
        ulong hash = OffsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
