using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// The 16 value buckets shared by both entropy coders. A residual is zig-zag mapped to an unsigned
/// code u; bucket b covers [Start(b), Start(b) + 2^OffsetBits(b)) and u is sent as the bucket
/// symbol followed by u − Start(b) in OffsetBits(b) raw bits. Bucket 15 holds all of u raw (32 bits).
/// </summary>
public static class DeltaBuckets
{
    /// <summary>Number of buckets.</summary>
    public const int Count = 16;

    private static readonly byte[] OffsetBitTable = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 32];
    private static readonly uint[] StartTable = BuildStarts();

    /// <summary>Raw offset bits after bucket <paramref name="bucket"/>'s symbol.</summary>
    /// <param name="bucket">0 to 15.</param>
    /// <returns>0 to 32.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int OffsetBits(int bucket) => OffsetBitTable[bucket & 15];

    /// <summary>Smallest code in bucket <paramref name="bucket"/> (0 for the raw bucket 15).</summary>
    /// <param name="bucket">0 to 15.</param>
    /// <returns>The start.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Start(int bucket) => StartTable[bucket & 15];

    /// <summary>The bucket holding zig-zag code <paramref name="code"/>.</summary>
    /// <param name="code">A zig-zag code.</param>
    /// <returns>0 to 15.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(uint code)
    {
        for (int bucket = 0; bucket < Count - 1; bucket++)
        {
            if (code - StartTable[bucket] < (1u << OffsetBitTable[bucket]))
            {
                return bucket;
            }
        }

        return Count - 1;
    }

    private static uint[] BuildStarts()
    {
        var starts = new uint[Count];
        uint next = 0;
        for (int bucket = 0; bucket < Count - 1; bucket++)
        {
            starts[bucket] = next;
            next += 1u << OffsetBitTable[bucket];
        }

        starts[Count - 1] = 0;
        return starts;
    }
}
