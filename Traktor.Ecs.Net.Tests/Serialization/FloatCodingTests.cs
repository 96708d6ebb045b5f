using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Serialization;

public class FloatCodingTests
{
    [Fact]
    public void Raw_floats_and_doubles_are_bit_exact_including_nan_payloads_and_infinities()
    {
        Gen.Select(Gen.UInt, Gen.ULong).Sample((floatBits, doubleBits) =>
        {
            Span<byte> buffer = stackalloc byte[16];
            var writer = new BitWriter(buffer);
            writer.WriteSingle(BitConverter.UInt32BitsToSingle(floatBits));
            writer.WriteDouble(BitConverter.UInt64BitsToDouble(doubleBits));
            var reader = new BitReader(buffer);
            Assert.Equal(floatBits, BitConverter.SingleToUInt32Bits(reader.ReadSingle()));
            Assert.Equal(doubleBits, BitConverter.DoubleToUInt64Bits(reader.ReadDouble()));
        }, iter: 5000);
    }

    private static readonly Gen<(float Min, float Max, float Precision)> Ranges =
        from min in Gen.Float[-10_000f, 10_000f]
        from width in Gen.Float[0.01f, 20_000f]
        from precisionFraction in Gen.Float[1e-6f, 0.5f]
        select (min, min + width, Math.Max(width * precisionFraction, 1e-4f));

    [Fact]
    public void Ranged_quantization_error_stays_within_the_declared_precision()
    {
        Gen.Select(Ranges, Gen.Float[0f, 1f]).Sample((range, t) =>
        {
            var quantizer = FloatQuantizer.FromPrecision(range.Min, range.Max, range.Precision);
            Assert.True(quantizer.Step <= range.Precision);
            float value = range.Min + ((range.Max - range.Min) * t);
            value = Math.Clamp(value, range.Min, range.Max);
            Span<byte> buffer = stackalloc byte[8];
            var writer = new BitWriter(buffer);
            writer.WriteQuantized(value, quantizer);
            Assert.Equal(quantizer.BitCount, writer.BitsWritten);
            var reader = new BitReader(buffer);
            float decoded = reader.ReadQuantized(quantizer);
            float floatSlack = MathF.BitIncrement(Math.Max(Math.Abs(range.Min), Math.Abs(range.Max))) - Math.Max(Math.Abs(range.Min), Math.Abs(range.Max));
            Assert.True(Math.Abs(decoded - value) <= (range.Precision / 2) + (2 * floatSlack), $"{value} -> {decoded}");
            Assert.InRange(decoded, range.Min, range.Max);
        }, iter: 5000);
    }

    [Fact]
    public void Ranged_quantization_hits_both_ends_exactly()
    {
        var quantizer = FloatQuantizer.FromPrecision(-256f, 255.99f, 0.002f);
        Assert.Equal(18, quantizer.BitCount);
        Assert.Equal(-256f, quantizer.Dequantize(quantizer.Quantize(-256f)));
        Assert.Equal(255.99f, quantizer.Dequantize(quantizer.Quantize(255.99f)));
        Assert.Equal(255.99f, quantizer.Dequantize(uint.MaxValue));
    }

    [Fact]
    public void Nan_and_infinity_policy_for_ranged_values()
    {
        var around = FloatQuantizer.FromPrecision(-10f, 10f, 0.01f);
        var positive = FloatQuantizer.FromPrecision(2f, 5f, 0.01f);
        Assert.Equal(0f, around.Dequantize(around.Quantize(float.NaN)));
        Assert.Equal(2f, positive.Dequantize(positive.Quantize(float.NaN)));
        Assert.Equal(10f, around.Dequantize(around.Quantize(float.PositiveInfinity)));
        Assert.Equal(-10f, around.Dequantize(around.Quantize(float.NegativeInfinity)));
        Assert.Equal(10f, around.Dequantize(around.Quantize(1e30f)));
        Assert.Equal(-10f, around.Dequantize(around.Quantize(float.MinValue)));
    }

    private static readonly Gen<FloatQuantizer> RangesAroundZero =
        Gen.OneOf(
            from below in Gen.Float[0.001f, 10_000f]
            from above in Gen.Float[0.001f, 10_000f]
            from precisionFraction in Gen.Float[1e-6f, 0.5f]
            select FloatQuantizer.FromPrecision(-below, above, Math.Max((below + above) * precisionFraction, 1e-4f)),
            from below in Gen.Float[0.001f, 10_000f]
            from above in Gen.Float[0.001f, 10_000f]
            from bits in Gen.Int[2, 32]
            select FloatQuantizer.FromBits(-below, above, bits));

    [Fact]
    public void Zero_round_trips_exactly_whenever_the_range_contains_it()
    {
        // An even grid over [−1, 1] has no code for 0: a ship at rest arrived moving at 0.0039 (8 bits) before.
        RangesAroundZero.Sample(quantizer =>
        {
            Assert.NotEqual(0u, quantizer.ZeroCode);
            Assert.Equal(0f, quantizer.Dequantize(quantizer.Quantize(0f)));
            Assert.Equal(0f, quantizer.Dequantize(quantizer.Quantize(-0f)));
            Assert.Equal(0f, quantizer.Dequantize(quantizer.Quantize(float.NaN)));
            Assert.Equal(quantizer.Min, quantizer.Dequantize(quantizer.Quantize(quantizer.Min)));
            Assert.Equal(quantizer.Max, quantizer.Dequantize(quantizer.Quantize(quantizer.Max)));
        }, iter: 5000);
        var eightBits = FloatQuantizer.FromBits(-1f, 1f, 8);
        Assert.Equal(0f, eightBits.Dequantize(eightBits.Quantize(0f)));
    }

    [Fact]
    public void Codes_decode_in_order_where_the_two_grids_meet_and_at_the_top_even_at_32_bits()
    {
        // Random codes out of 2^32 almost never land next to ZeroCode or MaxCode, where the decoder switches grids.
        var widest = FloatQuantizer.FromPrecision(-1f, 1f, 1f / 2147483000f);
        Assert.Equal(32, widest.BitCount);
        var lopsided = FloatQuantizer.FromBits(-0.001f, 1000f, 8);
        Assert.Equal(1u, lopsided.ZeroCode);
        foreach (var quantizer in new[] { widest, lopsided, FloatQuantizer.FromBits(-1f, 1f, 2), FloatQuantizer.FromBits(-3f, 5f, 32), FloatQuantizer.FromPrecision(-7f, 0.01f, 0.001f) })
        {
            Assert.NotEqual(0u, quantizer.ZeroCode);
            Assert.Equal(0f, quantizer.Dequantize(quantizer.ZeroCode));
            // At 32 bits neighbouring codes near ±1 are finer than a float there, so they may decode equal; never reversed.
            float magnitude = Math.Max(-quantizer.Min, quantizer.Max);
            bool floatsResolveCodes = quantizer.Step > 4 * (MathF.BitIncrement(magnitude) - magnitude);
            foreach (uint code in new[] { 0u, quantizer.ZeroCode - 1, quantizer.ZeroCode, quantizer.ZeroCode + 1, quantizer.MaxCode - 2, quantizer.MaxCode - 1 })
            {
                Assert.True(quantizer.Dequantize(code) <= quantizer.Dequantize(code + 1), $"code {code} of {quantizer.MaxCode} (zero {quantizer.ZeroCode}) decodes above the next one");
                if (floatsResolveCodes || code + 2 >= quantizer.ZeroCode && code <= quantizer.ZeroCode + 1)
                {
                    Assert.Equal(code, quantizer.Quantize(quantizer.Dequantize(code)));
                }
            }

            Assert.Equal(quantizer.Max, quantizer.Dequantize(quantizer.MaxCode));
            Assert.Equal(quantizer.Max, quantizer.Dequantize(uint.MaxValue));
        }

        var twoBits = FloatQuantizer.FromBits(-1f, 1f, 2);
        Assert.Equal(new[] { -1f, -0.5f, 0f, 1f }, new uint[] { 0, 1, 2, 3 }.Select(twoBits.Dequantize));
    }

    [Fact]
    public void Codes_around_zero_decode_in_order_and_every_value_lands_within_half_a_step()
    {
        Gen.Select(RangesAroundZero, Gen.Float[0f, 1f], Gen.UInt).Sample((quantizer, t, code) =>
        {
            float value = Math.Clamp(quantizer.Min + ((quantizer.Max - quantizer.Min) * t), quantizer.Min, quantizer.Max);
            float decoded = quantizer.Dequantize(quantizer.Quantize(value));
            float magnitude = Math.Max(Math.Abs(quantizer.Min), Math.Abs(quantizer.Max));
            double slack = 2 * (MathF.BitIncrement(magnitude) - magnitude);
            Assert.True(Math.Abs(decoded - value) <= (quantizer.Step / 2) + slack, $"{value} -> {decoded} (step {quantizer.Step})");
            Assert.InRange(decoded, quantizer.Min, quantizer.Max);
            code %= quantizer.MaxCode;
            Assert.True(quantizer.Dequantize(code) <= quantizer.Dequantize(code + 1), $"code {code} decodes above the next one");
        }, iter: 5000);
    }

    [Fact]
    public void A_range_on_one_side_of_zero_keeps_one_even_grid()
    {
        var positive = FloatQuantizer.FromPrecision(0f, 10f, 0.01f);
        var negative = FloatQuantizer.FromBits(-10f, -2f, 8);
        Assert.Equal(0u, positive.ZeroCode);
        Assert.Equal(0u, negative.ZeroCode);
        Assert.Equal(0f, positive.Dequantize(positive.Quantize(0f)));
        Assert.Equal(negative.Step, (negative.Max - negative.Min) / 255.0, 1e-9);
    }

    [Fact]
    public void Unbounded_quantization_round_trips_within_half_a_step_and_saturates()
    {
        Gen.Select(Gen.Float[-1_000_000f, 1_000_000f], Gen.Float[0.0001f, 1f]).Sample((value, precision) =>
        {
            Span<byte> buffer = stackalloc byte[8];
            var writer = new BitWriter(buffer);
            writer.WriteQuantized(value, precision);
            var reader = new BitReader(buffer[..writer.BytesWritten]);
            float decoded = reader.ReadQuantized(precision);
            double allowed = (precision / 2.0) + (Math.Abs(value) * 2e-7);
            if (Math.Abs(value / precision) < int.MaxValue)
            {
                Assert.True(Math.Abs(decoded - value) <= allowed, $"{value} @ {precision} -> {decoded}");
            }
        }, iter: 5000);

        Assert.Equal(0, UnboundedQuantizer.Quantize(float.NaN, 0.01f));
        Assert.Equal(int.MaxValue, UnboundedQuantizer.Quantize(float.PositiveInfinity, 0.01f));
        Assert.Equal(-int.MaxValue, UnboundedQuantizer.Quantize(float.NegativeInfinity, 0.01f));
        Assert.Equal(int.MaxValue, UnboundedQuantizer.Quantize(3e38f, 0.01f));
    }

    [Fact]
    public void Vectors_round_trip_per_component()
    {
        var quantizer = FloatQuantizer.FromPrecision(-100f, 100f, 0.001f);
        var component = Gen.Float[-100f, 100f];
        Gen.Select(component, component, component, component).Sample((x, y, z, w) =>
        {
            Span<byte> buffer = stackalloc byte[64];
            var writer = new BitWriter(buffer);
            writer.WriteVector2(new Vector2(x, y), quantizer);
            writer.WriteVector3(new Vector3(x, y, z), quantizer);
            writer.WriteVector4(new Vector4(x, y, z, w), quantizer);
            writer.WriteVector3(new Vector3(x, float.NaN, float.NegativeInfinity));
            var reader = new BitReader(buffer[..writer.BytesWritten]);
            AssertClose(new Vector4(x, y, 0, 0), new Vector4(reader.ReadVector2(quantizer), 0, 0));
            AssertClose(new Vector4(x, y, z, 0), new Vector4(reader.ReadVector3(quantizer), 0));
            AssertClose(new Vector4(x, y, z, w), reader.ReadVector4(quantizer));
            var raw = reader.ReadVector3();
            Assert.Equal(x, raw.X);
            Assert.True(float.IsNaN(raw.Y));
            Assert.Equal(float.NegativeInfinity, raw.Z);
        });
    }

    [Theory]
    [InlineData(9)]
    [InlineData(12)]
    [InlineData(16)]
    public void Smallest_three_rotations_stay_within_their_component_error(int bits)
    {
        // Sent components are off by at most half a step δ; the rebuilt largest one (≥ ½) by at
        // most (|a|+|b|+|c|)·δ/d ≤ 3δ; normalizing adds a little more, hence 4δ.
        double halfStep = Math.Sqrt(2) / 2 / ((1 << bits) - 1);
        double maxComponentError = 4 * halfStep;
        var component = Gen.Float[-1f, 1f];
        Gen.Select(component, component, component, component).Sample((x, y, z, w) =>
        {
            var q = new Quaternion(x, y, z, w);
            if (q.LengthSquared() < 1e-6f)
            {
                return;
            }

            q = Quaternion.Normalize(q);
            Span<byte> buffer = stackalloc byte[16];
            var writer = new BitWriter(buffer);
            writer.WriteQuaternion(q, bits);
            Assert.Equal(2 + (3 * bits), writer.BitsWritten);
            var reader = new BitReader(buffer[..writer.BytesWritten]);
            var decoded = reader.ReadQuaternion(bits);
            // q and -q are the same rotation: compare in the hemisphere of the original.
            if (Quaternion.Dot(q, decoded) < 0)
            {
                decoded = Quaternion.Negate(decoded);
            }

            Assert.Equal(1f, decoded.Length(), 1e-5f);
            Assert.True(Math.Abs(q.X - decoded.X) <= maxComponentError, $"{q} -> {decoded}");
            Assert.True(Math.Abs(q.Y - decoded.Y) <= maxComponentError, $"{q} -> {decoded}");
            Assert.True(Math.Abs(q.Z - decoded.Z) <= maxComponentError, $"{q} -> {decoded}");
            Assert.True(Math.Abs(q.W - decoded.W) <= maxComponentError, $"{q} -> {decoded}");
        }, iter: 20_000);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(16)]
    public void The_identity_rotation_arrives_exactly(int bits)
    {
        // Its three smallest components are 0; before, each came back as half a step and the rotation was tilted.
        Span<byte> buffer = stackalloc byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteQuaternion(Quaternion.Identity, bits);
        var reader = new BitReader(buffer);
        Assert.Equal(Quaternion.Identity, reader.ReadQuaternion(bits));
    }

    [Fact]
    public void Non_finite_or_degenerate_rotations_encode_as_identity()
    {
        Span<byte> buffer = stackalloc byte[8];
        foreach (var bad in new[] { new Quaternion(float.NaN, 0, 0, 1), new Quaternion(float.PositiveInfinity, 0, 0, 0), default })
        {
            var writer = new BitWriter(buffer);
            writer.WriteQuaternion(bad, 10);
            var reader = new BitReader(buffer);
            var decoded = reader.ReadQuaternion(10);
            Assert.Equal(1f, Math.Abs(decoded.W), 1e-6f);
        }
    }

    private static void AssertClose(Vector4 expected, Vector4 actual)
    {
        Assert.True(Vector4.Abs(expected - actual).X <= 0.0006f, $"{expected} vs {actual}");
        Assert.True(Vector4.Abs(expected - actual).Y <= 0.0006f, $"{expected} vs {actual}");
        Assert.True(Vector4.Abs(expected - actual).Z <= 0.0006f, $"{expected} vs {actual}");
        Assert.True(Vector4.Abs(expected - actual).W <= 0.0006f, $"{expected} vs {actual}");
    }
}
