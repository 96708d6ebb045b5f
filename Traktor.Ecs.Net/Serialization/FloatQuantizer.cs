using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Maps floats in [<see cref="Min"/>, <see cref="Max"/>] onto <see cref="BitCount"/>-bit integers.
/// Every code of that width is valid, so decoding cannot fail and the step is at most the declared
/// precision. Non-finite policy: NaN encodes as the in-range value closest to zero, +∞ as Max,
/// −∞ as Min; finite values outside the range are clamped.
/// </summary>
public readonly struct FloatQuantizer : IEquatable<FloatQuantizer>
{
    private readonly double _scale;
    private readonly double _step;

    private FloatQuantizer(float min, float max, int bitCount)
    {
        Min = min;
        Max = max;
        BitCount = bitCount;
        MaxCode = bitCount == 32 ? uint.MaxValue : (1u << bitCount) - 1;
        _step = ((double)max - min) / MaxCode;
        _scale = MaxCode / ((double)max - min);
    }

    /// <summary>Lowest representable value.</summary>
    public float Min { get; }

    /// <summary>Highest representable value.</summary>
    public float Max { get; }

    /// <summary>Width of a code in bits (1–32).</summary>
    public int BitCount { get; }

    /// <summary>Largest code; it decodes to <see cref="Max"/>.</summary>
    public uint MaxCode { get; }

    /// <summary>Distance between neighbouring decoded values; the worst error is half of it.</summary>
    public double Step => _step;

    /// <summary>
    /// A quantizer whose step is no coarser than <paramref name="precision"/>: the worst round-trip
    /// error is at most half of it.
    /// </summary>
    /// <param name="min">Lowest value; finite and below <paramref name="max"/>.</param>
    /// <param name="max">Highest value; finite.</param>
    /// <param name="precision">Largest acceptable step; positive.</param>
    /// <returns>The quantizer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite, the range is empty, or it would need more than 32 bits.</exception>
    public static FloatQuantizer FromPrecision(float min, float max, float precision)
    {
        if (!(precision > 0) || !float.IsFinite(precision))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Precision must be positive and finite.");
        }

        ValidateRange(min, max);
        double steps = Math.Ceiling(((double)max - min) / precision);
        int bits = Math.Max(1, (int)Math.Ceiling(Math.Log2(steps + 1)));
        if (bits > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Range / precision needs more than 32 bits.");
        }

        return new FloatQuantizer(min, max, bits);
    }

    /// <summary>A quantizer that spreads [<paramref name="min"/>, <paramref name="max"/>] over <paramref name="bitCount"/> bits.</summary>
    /// <param name="min">Lowest value; finite and below <paramref name="max"/>.</param>
    /// <param name="max">Highest value; finite.</param>
    /// <param name="bitCount">1 to 32.</param>
    /// <returns>The quantizer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or not finite, or the bit count is outside 1–32.</exception>
    public static FloatQuantizer FromBits(float min, float max, int bitCount)
    {
        ValidateRange(min, max);
        if (bitCount is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(bitCount), bitCount, "Bit count must be 1 to 32.");
        }

        return new FloatQuantizer(min, max, bitCount);
    }

    /// <summary>Encodes <paramref name="value"/> following the type's NaN/∞ policy.</summary>
    /// <param name="value">Any float.</param>
    /// <returns>A code in [0, <see cref="MaxCode"/>].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Quantize(float value)
    {
        if (float.IsNaN(value))
        {
            value = Math.Clamp(0f, Min, Max);
        }

        // floor(x + ½) is round-half-up for x ≥ 0, and everything below the range clamps to 0 anyway.
        double shifted = (((double)value - Min) * _scale) + 0.5;
        if (shifted < 1)
        {
            return 0;
        }

        return shifted >= MaxCode ? MaxCode : (uint)shifted;
    }

    /// <summary>Decodes a code; codes above <see cref="MaxCode"/> are clamped to it.</summary>
    /// <param name="code">The code.</param>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Dequantize(uint code)
    {
        if (code >= MaxCode)
        {
            return Max;
        }

        return (float)(Min + (code * _step));
    }

    /// <inheritdoc />
    public bool Equals(FloatQuantizer other) => Min.Equals(other.Min) && Max.Equals(other.Max) && BitCount == other.BitCount;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FloatQuantizer other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Min, Max, BitCount);

    /// <summary>Compares two quantizers by range and width.</summary>
    /// <param name="left">One quantizer.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when both encode identically.</returns>
    public static bool operator ==(FloatQuantizer left, FloatQuantizer right) => left.Equals(right);

    /// <summary>Negation of <see cref="op_Equality"/>.</summary>
    /// <param name="left">One quantizer.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(FloatQuantizer left, FloatQuantizer right) => !left.Equals(right);

    private static void ValidateRange(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || !(min < max))
        {
            throw new ArgumentOutOfRangeException(nameof(min), $"Range [{min}, {max}] must be finite and non-empty.");
        }
    }
}
