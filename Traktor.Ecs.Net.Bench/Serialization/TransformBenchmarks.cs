using System.Numerics;
using BenchmarkDotNet.Attributes;
using MemoryPack;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// Encode/decode cost per entity of a transform (position, rotation, velocity): full, delta with
/// each coder, and MemoryPack as a reference. Each benchmark handles <see cref="Entities"/> entities,
/// reported per entity.
/// </summary>
[MemoryDiagnoser]
public class TransformBenchmarks
{
    private const int Entities = 1000;

    private readonly BenchTransform[] _transforms = new BenchTransform[Entities];
    private readonly BenchTransformSnapshot[] _current = new BenchTransformSnapshot[Entities];
    private readonly BenchTransformSnapshot[] _baseline = new BenchTransformSnapshot[Entities];
    private readonly byte[] _buffer = new byte[Entities * 64];
    private readonly byte[] _fullPacket = new byte[Entities * 64];
    private readonly byte[] _staticPacket = new byte[Entities * 64];
    private readonly byte[] _adaptivePacket = new byte[Entities * 64];
    private readonly ushort[] _models = new ushort[AdaptiveModels.DefaultSize];
    private readonly System.Buffers.ArrayBufferWriter<byte> _memoryPackOutput = new(Entities * 64);
    private byte[] _memoryPackPacket = [];
    private int _fullLength;
    private int _staticLength;
    private int _adaptiveLength;

    /// <summary>Builds entities that moved a little since their baseline.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (int i = 0; i < Entities; i++)
        {
            var position = new Vector3(random.NextSingle() * 200 - 100, random.NextSingle() * 200 - 100, random.NextSingle() * 10);
            var velocity = new Vector3(random.NextSingle() * 10 - 5, random.NextSingle() * 10 - 5, 0);
            float yaw = random.NextSingle() * 6;
            var before = new BenchTransform { Position = position, Rotation = Quaternion.CreateFromYawPitchRoll(yaw, 0, 0), Velocity = velocity };
            _transforms[i] = new BenchTransform { Position = position + (velocity * 0.1f), Rotation = Quaternion.CreateFromYawPitchRoll(yaw + 0.2f, 0.05f, 0), Velocity = velocity * 0.95f };
            BenchTransformSerializer.Quantize(before, out _baseline[i]);
            BenchTransformSerializer.Quantize(_transforms[i], out _current[i]);
        }

        _fullLength = QuantizeAndWriteFull();
        _fullPacket.AsSpan().Clear();
        _buffer.AsSpan(0, _fullLength).CopyTo(_fullPacket);
        _staticLength = WriteDeltaStatic();
        _buffer.AsSpan(0, _staticLength).CopyTo(_staticPacket);
        _adaptiveLength = WriteDeltaAdaptive();
        _buffer.AsSpan(0, _adaptiveLength).CopyTo(_adaptivePacket);
        _memoryPackPacket = MemoryPackSerializer.Serialize(_transforms);
    }

    /// <summary>Quantize each component and write it in full.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int QuantizeAndWriteFull()
    {
        var writer = new BitWriter(_buffer);
        foreach (ref readonly var transform in _transforms.AsSpan())
        {
            BenchTransformSerializer.Quantize(transform, out var snapshot);
            BenchTransformSerializer.WriteFull(ref writer, snapshot);
        }

        return writer.BytesWritten;
    }

    /// <summary>Read each full snapshot and dequantize it.</summary>
    /// <returns>A checksum.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public float ReadFullAndDequantize()
    {
        var reader = new BitReader(_fullPacket.AsSpan(0, _fullLength));
        var component = default(BenchTransform);
        float sum = 0;
        for (int i = 0; i < Entities; i++)
        {
            BenchTransformSerializer.ReadFull(ref reader, out var snapshot);
            BenchTransformSerializer.Dequantize(snapshot, ref component);
            sum += component.Position.X;
        }

        return sum;
    }

    /// <summary>Delta against the baseline with the static prefix code.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int WriteDeltaStatic()
    {
        var encoder = new StaticDeltaEncoder(new BitWriter(_buffer));
        for (int i = 0; i < Entities; i++)
        {
            BenchTransformSerializer.WriteDelta(ref encoder, _current[i], _baseline[i]);
        }

        return encoder.Writer.BytesWritten;
    }

    /// <summary>Decode static-coded deltas.</summary>
    /// <returns>A checksum.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int ReadDeltaStatic()
    {
        var decoder = new StaticDeltaDecoder(new BitReader(_staticPacket.AsSpan(0, _staticLength)));
        int sum = 0;
        for (int i = 0; i < Entities; i++)
        {
            BenchTransformSerializer.ReadDelta(ref decoder, _baseline[i], out var snapshot);
            sum += snapshot.Position_X;
        }

        return sum;
    }

    /// <summary>Delta against the baseline with the adaptive range coder.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int WriteDeltaAdaptive()
    {
        var encoder = new AdaptiveDeltaEncoder(_buffer, _models);
        for (int i = 0; i < Entities; i++)
        {
            BenchTransformSerializer.WriteDelta(ref encoder, _current[i], _baseline[i]);
        }

        return encoder.Finish();
    }

    /// <summary>Decode range-coded deltas.</summary>
    /// <returns>A checksum.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int ReadDeltaAdaptive()
    {
        var decoder = new AdaptiveDeltaDecoder(_adaptivePacket.AsSpan(0, _adaptiveLength), _models);
        int sum = 0;
        for (int i = 0; i < Entities; i++)
        {
            BenchTransformSerializer.ReadDelta(ref decoder, _baseline[i], out var snapshot);
            sum += snapshot.Position_X;
        }

        return sum;
    }

    /// <summary>Reference: MemoryPack of the raw transforms (no quantization).</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int MemoryPackSerialize()
    {
        _memoryPackOutput.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_memoryPackOutput, _transforms);
        return _memoryPackOutput.WrittenCount;
    }

    /// <summary>Reference: MemoryPack deserialization into the existing array.</summary>
    /// <returns>Entity count.</returns>
    [Benchmark(OperationsPerInvoke = Entities)]
    public int MemoryPackDeserialize()
    {
        var target = _transforms;
        MemoryPackSerializer.Deserialize(_memoryPackPacket, ref target);
        return target!.Length;
    }
}
