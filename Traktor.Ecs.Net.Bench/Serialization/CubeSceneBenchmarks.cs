using BenchmarkDotNet.Attributes;
using K4os.Compression.LZ4;
using MemoryPack;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// Time to encode one busy tick of the 901-cube scene with each format (the bandwidth of each is
/// printed by <see cref="CubeBandwidthReport"/>).
/// </summary>
[MemoryDiagnoser]
public class CubeSceneBenchmarks
{
    private const int BusyTick = 5 * CubeScenario.TicksPerSecond + 20;

    private readonly byte[] _packet = new byte[256 * 1024];
    private readonly byte[] _compressed = new byte[LZ4Codec.MaximumOutputSize(256 * 1024)];
    private readonly ushort[] _models = new ushort[AdaptiveModels.DefaultSize];
    private readonly System.Buffers.ArrayBufferWriter<byte> _memoryPackOutput = new(64 * 1024);
    private CubeState[] _raw = [];
    private CubeStateSnapshot[][] _snapshots = [];
    private DeltaPrediction _prediction;

    /// <summary>Simulates up to the busy tick.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var history = CubeScenario.Simulate(BusyTick + 1);
        _raw = history[BusyTick];
        _snapshots = CubeBandwidth.Quantize(history);
        int b0 = BusyTick - CubeBandwidth.BaselineAge;
        _prediction = DeltaPrediction.FromTicks(BusyTick, (uint)b0, (uint)(b0 - 1), (uint)(b0 - 2), 3);
    }

    /// <summary>(a) MemoryPack of the raw cube array.</summary>
    /// <returns>Bytes.</returns>
    [Benchmark]
    public int MemoryPackFull()
    {
        _memoryPackOutput.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_memoryPackOutput, _raw);
        return _memoryPackOutput.WrittenCount;
    }

    /// <summary>(b) MemoryPack then LZ4 (fast level).</summary>
    /// <returns>Bytes.</returns>
    [Benchmark]
    public int MemoryPackLz4()
    {
        _memoryPackOutput.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_memoryPackOutput, _raw);
        return LZ4Codec.Encode(_memoryPackOutput.WrittenSpan, _compressed);
    }

    /// <summary>(c) Our quantized full state.</summary>
    /// <returns>Bytes.</returns>
    [Benchmark]
    public int QuantizedFull() => CubeSnapshotCodec.EncodeFull(_snapshots[BusyTick], _packet);

    /// <summary>(d) Delta with the static prefix code.</summary>
    /// <returns>Bytes.</returns>
    [Benchmark]
    public int DeltaStatic()
    {
        int b0 = BusyTick - CubeBandwidth.BaselineAge;
        var baselines = new CubeSnapshotCodec.Baselines(_snapshots[b0], _snapshots[b0 - 1], _snapshots[b0 - 2]);
        return CubeSnapshotCodec.EncodeStatic(_snapshots[BusyTick], baselines, _prediction, _packet);
    }

    /// <summary>(e) Delta with the adaptive range coder.</summary>
    /// <returns>Bytes.</returns>
    [Benchmark]
    public int DeltaAdaptive()
    {
        int b0 = BusyTick - CubeBandwidth.BaselineAge;
        var baselines = new CubeSnapshotCodec.Baselines(_snapshots[b0], _snapshots[b0 - 1], _snapshots[b0 - 2]);
        return CubeSnapshotCodec.EncodeAdaptive(_snapshots[BusyTick], baselines, _prediction, _packet, _models);
    }
}
