using K4os.Compression.LZ4;
using MemoryPack;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>Prints the kbps of the five formats over 60 s of the cube scenario (deterministic).</summary>
public static class CubeBandwidthReport
{
    /// <summary>Command-line argument that selects this report.</summary>
    public const string Argument = "cube-kbps";

    /// <summary>Simulates, encodes, decodes and prints the table.</summary>
    public static void Print()
    {
        const int ticks = 60 * CubeScenario.TicksPerSecond;
        var history = CubeScenario.Simulate(ticks);
        var ours = CubeBandwidth.Measure(CubeBandwidth.Quantize(history));
        var compressed = new byte[LZ4Codec.MaximumOutputSize(64 * 1024)];
        long memoryPack = 0, lz4 = 0;
        int measured = 0;
        for (int tick = CubeBandwidth.BaselineAge + 2; tick < ticks; tick++)
        {
            byte[] bytes = MemoryPackSerializer.Serialize(history[tick]);
            memoryPack += bytes.Length;
            lz4 += LZ4Codec.Encode(bytes, compressed);
            measured++;
        }

        Console.WriteLine($"Cube scenario: {CubeScenario.CubeCount} cubes, {ticks} ticks at {CubeScenario.TicksPerSecond} Hz, baseline {CubeBandwidth.BaselineAge} ticks back, {ours.MovingCubesPerTick:F1} changed cubes per packet on average");
        Console.WriteLine("| Format | kbps |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| (a) MemoryPack full state | {CubeBandwidth.Kbps(memoryPack, measured):F1} |");
        Console.WriteLine($"| (b) MemoryPack + LZ4 | {CubeBandwidth.Kbps(lz4, measured):F1} |");
        Console.WriteLine($"| (c) quantized full state | {ours.Full:F1} |");
        Console.WriteLine($"| (d) delta + static prefix code | {ours.StaticDelta:F1} |");
        Console.WriteLine($"| (e) delta + adaptive range coder | {ours.AdaptiveDelta:F1} |");
    }
}
