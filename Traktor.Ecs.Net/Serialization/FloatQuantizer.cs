using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Maps floats in [<see cref="Min"/>, <see cref="Max"/>] onto <see cref="BitCount"/>-bit integers.
/// Every code of that width is valid, so decoding cannot fail and the step is at most the declared
/// precision. Both ends decode exactly, and so does zero when the range contains it (with 2 bits or more): a value
/// at rest stays exactly 0 on every receiver (an even grid over [−1, 1] has no code for 0, and 0 came back as 0.0039
/// in 8 bits). Such a range is two even grids that meet at zero, one below it and one above it, sharing the codes in
/// proportion to their lengths; each side has at least one step, so a side much shorter than a code's worth gets a
/// step of its own length. Non-finite policy: NaN encodes as the in-range value closest to zero (zero
/// itself when the range contains it), +∞ as Max, −∞ as Min; finite values outside the range are clamped.
/// </summary>
public readonly struct FloatQuantizer : IEquatable<FloatQuantizer>
{
    // Below ZeroCode (or everywhere, when the range does not contain zero): Min + code × _lowStep.
    private readonly double _lowStep;
    private readonly double _lowScale;

    // From ZeroCode up, when the range contains zero: (code − ZeroCode) × _highStep.
    private readonly double _highStep;
    private readonly double _highScale;

    private FloatQuantizer(float min, float max, int bitCount, uint zeroCode)
    {
        Min = min;
        Max = max;
        BitCount = bitCount;
        MaxCode = bitCount == 32 ? uint.MaxValue : (1u << bitCount) - 1;
        ZeroCode = zeroCode;
        if (zeroCode == 0)
        {
            _lowStep = ((double)max - min) / MaxCode;
            _lowScale = MaxCode / ((double)max - min);
        }
        else
        {
            _lowStep = -(double)min / zeroCode;
            _lowScale = zeroCode / -(double)min;
            _highStep = (double)max / (MaxCode - zeroCode);
            _highScale = (MaxCode - zeroCode) / (double)max;
        }
    }

    /// <summary>Lowest representable value.</summary>
    public float Min { get; }

    /// <summary>Highest representable value.</summary>
    public float Max { get; }

    /// <summary>Width of a code in bits (1–32).</summary>
    public int BitCount { get; }

    /// <summary>Largest code; it decodes to <see cref="Max"/>.</summary>
    public uint MaxCode { get; }

    /// <summary>
    /// The code that decodes to exactly 0 when the range contains zero (strictly inside it) and the width is 2 bits or
    /// more; 0 otherwise, when the codes form one even grid from <see cref="Min"/>.
    /// </summary>
    public uint ZeroCode { get; }

    /// <summary>The largest distance between neighbouring decoded values; the worst error is half of it.</summary>
    public double Step => Math.Max(_lowStep, _highStep);

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
        bool spansZero = min < 0 && max > 0;

        // Around zero each side needs its own whole number of steps no coarser than the precision.
        double below = spansZero ? Math.Ceiling(-(double)min / precision) : 0;
        double above = spansZero ? Math.Ceiling((double)max / precision) : 0;
        double steps = spansZero ? below + above : Math.Ceiling(((double)max - min) / precision);
        int bits = Math.Max(1, (int)Math.Ceiling(Math.Log2(steps + 1)));
        if (bits > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Range / precision needs more than 32 bits.");
        }

        if (!spansZero)
        {
            return new FloatQuantizer(min, max, bits, 0);
        }

        // The spare codes of the width go to both sides in proportion, keeping each side's step within precision.
        double maxCode = bits == 32 ? uint.MaxValue : (1u << bits) - 1;
        double zero = Math.Clamp(Math.Round(maxCode * -(double)min / ((double)max - min)), below, maxCode - above);
        return new FloatQuantizer(min, max, bits, (uint)zero);
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

        uint maxCode = bitCount == 32 ? uint.MaxValue : (1u << bitCount) - 1;
        if (min >= 0 || max <= 0 || maxCode < 2)
        {
            return new FloatQuantizer(min, max, bitCount, 0);
        }

        // One code for zero, at least one on each side of it, the rest in proportion to the two sides' lengths.
        double zero = Math.Clamp(Math.Round(maxCode * -(double)min / ((double)max - min)), 1, maxCode - 1.0);
        return new FloatQuantizer(min, max, bitCount, (uint)zero);
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
        if (ZeroCode != 0 && value >= 0)
        {
            double above = ((double)value * _highScale) + 0.5;
            uint room = MaxCode - ZeroCode;
            return above >= room ? MaxCode : ZeroCode + (uint)above;
        }

        double shifted = (((double)value - Min) * _lowScale) + 0.5;
        if (shifted < 1)
        {
            return 0;
        }

        if (ZeroCode != 0)
        {
            // A negative value never rounds past zero's code (−0.0 took the branch above).
            return shifted >= ZeroCode ? ZeroCode : (uint)shifted;
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

        if (ZeroCode != 0 && code >= ZeroCode)
        {
            return (float)((code - ZeroCode) * _highStep);
        }

        return (float)(Min + (code * _lowStep));
    }

    /// <inheritdoc />
    public bool Equals(FloatQuantizer other) => Min.Equals(other.Min) && Max.Equals(other.Max) && BitCount == other.BitCount && ZeroCode == other.ZeroCode;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FloatQuantizer other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Min, Max, BitCount, ZeroCode);

    /// <summary>Compares two quantizers by range and width.</summary>
    /// <param name="left">One quantizer.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when both encode identically (same range, width and zero code).</returns>
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
