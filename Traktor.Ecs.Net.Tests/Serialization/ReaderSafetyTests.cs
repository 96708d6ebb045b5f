using System.Numerics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;
using Traktor.Ecs.Net.Tests.Generators;

namespace Traktor.Ecs.Net.Tests.Serialization;

/// <summary>
/// One million hostile buffers (random, truncated and bit-flipped valid messages) through every
/// decoder: each must end failed or produce values that respect their declared limits, and none
/// may throw (a read past the span would throw, so this also proves there is no over-read).
/// </summary>
public class ReaderSafetyTests
{
    private const int Iterations = 1_000_000;
    private static readonly FloatQuantizer Quantizer = FloatQuantizer.FromPrecision(-50f, 50f, 0.01f);

    [Fact]
    public void Hostile_buffers_decode_to_failure_or_valid_values_and_never_throw()
    {
        var random = new Random(1234);
        var valid = Enumerable.Range(0, 256).Select(i => EncodeValidMessage(new Random(i))).ToArray();
        var models = new ushort[AdaptiveModels.DefaultSize];
        var scratch = new byte[256];
        int failed = 0, succeeded = 0;
        for (int i = 0; i < Iterations; i++)
        {
            int length;
            switch (i % 3)
            {
                case 0:
                    length = random.Next(0, 160);
                    random.NextBytes(scratch.AsSpan(0, length));
                    break;
                case 1:
                    var source = valid[random.Next(valid.Length)];
                    length = random.Next(0, source.Length);
                    source.AsSpan(0, length).CopyTo(scratch);
                    break;
                default:
                    var original = valid[random.Next(valid.Length)];
                    length = original.Length;
                    original.CopyTo(scratch, 0);
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        int bit = random.Next(length * 8);
                        scratch[bit >> 3] ^= (byte)(1 << (bit & 7));
                    }

                    break;
            }

            if (DecodeAndValidate(scratch.AsSpan(0, length), models))
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        Assert.Equal(Iterations, failed + succeeded);
        Assert.True(failed > Iterations / 4, $"only {failed} failures");
        Assert.True(succeeded > 1000, $"only {succeeded} successes");
        foreach (var message in valid)
        {
            Assert.True(DecodeAndValidate(message, models));
        }
    }

    private static byte[] EncodeValidMessage(Random random)
    {
        var buffer = new byte[512];
        var writer = new BitWriter(buffer);
        int leadBits = random.Next(1, 65);
        writer.WriteBits((ulong)(leadBits - 1), 6);
        writer.WriteBits((ulong)random.NextInt64(), leadBits);
        writer.WriteVarUInt32((uint)random.Next());
        writer.WriteVarInt64(random.NextInt64());
        writer.WriteVector3(new Vector3(random.NextSingle() * 100 - 50, 3, -7), Quantizer);
        writer.WriteQuaternion(Quaternion.CreateFromYawPitchRoll(random.NextSingle() * 6, 1, 2), 11);
        writer.WriteFixedString32(new FixedString32("hello " + random.Next()));
        writer.WriteBytes([1, 2, 3, (byte)random.Next(256)], 16);
        writer.WriteNetworkId(new NetworkId((uint)random.Next()));
        var status = new TestStatus { Health = random.Next(0, 101), Throttle = random.NextSingle(), Name = new FixedString32("n" + random.Next()), Ticks = random.NextInt64() };
        TestStatusSerializer.Quantize(status, out var statusSnapshot);
        TestStatusSerializer.WriteFull(ref writer, statusSnapshot);
        var baseline = default(TestStatusSnapshot);
        var encoder = new StaticDeltaEncoder(writer);
        TestStatusSerializer.WriteDelta(ref encoder, statusSnapshot, baseline);
        writer = encoder.Writer;
        writer.AlignToByte();
        int header = writer.BytesWritten;
        var transform = new TestTransform { Position = new Vector3(random.NextSingle() * 10, 1, 2), Rotation = Quaternion.Identity, Velocity = Vector3.UnitX };
        TestTransformSerializer.Quantize(transform, out var transformSnapshot);
        var adaptive = new AdaptiveDeltaEncoder(buffer.AsSpan(header), new ushort[AdaptiveModels.DefaultSize]);
        TestTransformSerializer.WriteDelta(ref adaptive, transformSnapshot, default);
        int block = adaptive.Finish();
        Assert.False(writer.IsOverflowed);
        Assert.True(block > 0);
        return buffer[..(header + block)];
    }

    private static bool DecodeAndValidate(ReadOnlySpan<byte> message, ushort[] models)
    {
        var reader = new BitReader(message);
        reader.ReadBits((int)reader.ReadBits(6) + 1);
        reader.ReadVarUInt32();
        reader.ReadVarInt64();
        var position = reader.ReadVector3(Quantizer);
        var rotation = reader.ReadQuaternion(11);
        var name = reader.ReadFixedString32();
        Span<byte> bytes = stackalloc byte[16];
        int byteCount = reader.ReadBytes(bytes, 16);
        reader.ReadNetworkId();
        TestStatusSerializer.ReadFull(ref reader, out var full);
        var decoder = new StaticDeltaDecoder(reader);
        TestStatusSerializer.ReadDelta(ref decoder, default, out var delta);
        reader = decoder.Reader;
        reader.AlignToByte();
        if (reader.IsFailed)
        {
            return false;
        }

        var adaptive = new AdaptiveDeltaDecoder(message[(int)(reader.BitsRead / 8)..], models);
        TestTransformSerializer.ReadDelta(ref adaptive, default, out var transformSnapshot);
        if (adaptive.IsFailed)
        {
            return false;
        }

        var status = default(TestStatus);
        TestStatusSerializer.Dequantize(full, ref status);
        var fromDelta = default(TestStatus);
        TestStatusSerializer.Dequantize(delta, ref fromDelta);
        var transform = default(TestTransform);
        TestTransformSerializer.Dequantize(transformSnapshot, ref transform);
        bool valid =
            position.X is >= -50f and <= 50f &&
            float.IsFinite(rotation.Length()) && Math.Abs(rotation.Length() - 1f) < 1e-3f &&
            name.Length <= FixedString32.Capacity && byteCount <= 16 &&
            status.Health is >= 0 and <= 100 && fromDelta.Health is >= 0 and <= 100 &&
            status.Throttle is >= -1f and <= 1f && status.Name.Length <= FixedString32.Capacity &&
            transform.Position.X is >= -256f and <= 256f && Math.Abs(transform.Rotation.Length() - 1f) < 1e-3f;
        Assert.True(valid, "decoded values broke their declared limits");
        return true;
    }
}
