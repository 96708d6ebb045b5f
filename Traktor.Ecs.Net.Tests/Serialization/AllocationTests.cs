using System.Numerics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;
using Traktor.Ecs.Net.Tests.Generators;

namespace Traktor.Ecs.Net.Tests.Serialization;

/// <summary>Encoding and decoding allocate nothing, measured on the current thread.</summary>
public class AllocationTests
{
    [Fact]
    public void Full_and_delta_coding_with_both_coders_allocate_zero_bytes()
    {
        var snapshots = new TestTransformSnapshot[256];
        for (int i = 0; i < snapshots.Length; i++)
        {
            var transform = new TestTransform { Position = new Vector3(i, -i, i * 0.5f), Rotation = Quaternion.CreateFromYawPitchRoll(i, 0, 0), Velocity = Vector3.UnitX * i };
            TestTransformSerializer.Quantize(transform, out snapshots[i]);
        }

        var buffer = new byte[64 * 1024];
        var models = new ushort[AdaptiveModels.DefaultSize];
        RoundTrip(snapshots, buffer, models);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int repeat = 0; repeat < 20; repeat++)
        {
            RoundTrip(snapshots, buffer, models);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RoundTrip(TestTransformSnapshot[] snapshots, byte[] buffer, ushort[] models)
    {
        var writer = new BitWriter(buffer);
        var component = default(TestTransform);
        foreach (ref readonly var snapshot in snapshots.AsSpan())
        {
            TestTransformSerializer.WriteFull(ref writer, snapshot);
        }

        var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
        for (int i = 0; i < snapshots.Length; i++)
        {
            TestTransformSerializer.ReadFull(ref reader, out var decoded);
            TestTransformSerializer.Dequantize(decoded, ref component);
        }

        var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
        for (int i = 1; i < snapshots.Length; i++)
        {
            TestTransformSerializer.WriteDelta(ref encoder, snapshots[i], snapshots[i - 1]);
        }

        var decoder = new StaticDeltaDecoder(new BitReader(buffer.AsSpan(0, encoder.Writer.BytesWritten)));
        for (int i = 1; i < snapshots.Length; i++)
        {
            TestTransformSerializer.ReadDelta(ref decoder, snapshots[i - 1], out _);
        }

        var adaptive = new AdaptiveDeltaEncoder(buffer, models);
        for (int i = 1; i < snapshots.Length; i++)
        {
            TestTransformSerializer.WriteDelta(ref adaptive, snapshots[i], snapshots[i - 1]);
        }

        int length = adaptive.Finish();
        var adaptiveDecoder = new AdaptiveDeltaDecoder(buffer.AsSpan(0, length), models);
        for (int i = 1; i < snapshots.Length; i++)
        {
            TestTransformSerializer.ReadDelta(ref adaptiveDecoder, snapshots[i - 1], out _);
        }

        Assert.False(reader.IsFailed || decoder.IsFailed || adaptiveDecoder.IsFailed);
    }
}
