using System.Numerics;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// SharpFuzz's edge map: instrumented code does <c>SharedMem[cur ^ prev]++</c> on every branch, into 64 KiB that
/// we own (no afl-fuzz or libFuzzer process here: the map lives in this process). After each execution the hit
/// counts are bucketed as AFL does (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+) and compared with every bucket
/// seen before; an input that reaches a new (edge, bucket) pair is kept.
/// </summary>
internal static unsafe class CoverageMap
{
    public const int Size = 1 << 16;

    private static readonly byte[] Virgin = new byte[Size];
    private static readonly byte[] BucketOf = BuildBuckets();

    // The map is SharpFuzz.Common's pointer (shared by every load context), never a static of ours: this assembly
    // is loaded twice, once per context.
    private static byte* map => SharpFuzz.Common.Trace.SharedMem;

    /// <summary>Edges (map slots) hit by any execution so far.</summary>
    public static int Edges { get; private set; }

    /// <summary>Points SharpFuzz's trace at our map; call once, before any instrumented code runs.</summary>
    public static void Install()
    {
        if (SharpFuzz.Common.Trace.SharedMem != null) return;
        SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(Size);
        SharpFuzz.Common.Trace.PrevLocation = 0;
    }

    /// <summary>Clears the map before an execution.</summary>
    public static void Reset()
    {
        NativeMemory.Clear(map, Size);
        SharpFuzz.Common.Trace.PrevLocation = 0;
    }

    /// <summary>Forgets what was seen (a new target starts from nothing).</summary>
    public static void ForgetAll()
    {
        Array.Clear(Virgin);
        Edges = 0;
    }

    /// <summary>Folds the last execution's hits into what was seen; true when it reached something new.</summary>
    public static bool Merge()
    {
        bool fresh = false;
        var words = new ReadOnlySpan<ulong>(map, Size / sizeof(ulong));
        for (int w = 0; w < words.Length; w++)
        {
            if (words[w] == 0) continue;
            int start = w * sizeof(ulong);
            for (int i = start; i < start + sizeof(ulong); i++)
            {
                byte hits = map[i];
                if (hits == 0) continue;
                byte bucket = BucketOf[hits];
                byte seen = Virgin[i];
                if ((seen & bucket) != 0) continue;
                if (seen == 0) Edges++;
                Virgin[i] = (byte)(seen | bucket);
                fresh = true;
            }
        }
        return fresh;
    }

    /// <summary>Edges hit by the last execution (for corpus statistics).</summary>
    public static int CountLast()
    {
        int count = 0;
        var words = new ReadOnlySpan<ulong>(map, Size / sizeof(ulong));
        foreach (ulong word in words)
        {
            if (word == 0) continue;
            for (int b = 0; b < 64; b += 8)
            {
                if (((word >> b) & 0xFF) != 0) count++;
            }
        }
        return count;
    }

    private static byte[] BuildBuckets()
    {
        var buckets = new byte[256];
        for (int hits = 1; hits < 256; hits++)
        {
            buckets[hits] = hits switch
            {
                1 => 1,
                2 => 2,
                3 => 4,
                < 8 => 8,
                < 16 => 16,
                < 32 => 32,
                < 128 => 64,
                _ => 128,
            };
        }
        return buckets;
    }

    /// <summary>Popcount helper kept for the report (edges with several buckets count once).</summary>
    public static int BucketsSeen()
    {
        int total = 0;
        foreach (byte b in Virgin) total += BitOperations.PopCount(b);
        return total;
    }
}
