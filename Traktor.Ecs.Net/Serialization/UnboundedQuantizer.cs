using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Quantizes a float to a whole number of <c>precision</c> steps when no range is declared; the
/// step count is written as a zig-zag varint. Non-finite policy: NaN encodes as 0, +∞/−∞ and
/// anything beyond ±<see cref="int.MaxValue"/> steps saturate to ±<see cref="int.MaxValue"/>.
/// </summary>
public static class UnboundedQuantizer
{
    /// <summary>Converts <paramref name="value"/> to a step count.</summary>
    /// <param name="value">Any float.</param>
    /// <param name="precision">The step; positive.</param>
    /// <returns>round(value / precision), saturated.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Quantize(float value, float precision)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        double steps = Math.Round((double)value / precision, MidpointRounding.AwayFromZero);
        if (steps >= int.MaxValue)
        {
            return int.MaxValue;
        }

        return steps <= -int.MaxValue ? -int.MaxValue : (int)steps;
    }

    /// <summary>Converts a step count back to a float.</summary>
    /// <param name="steps">The step count.</param>
    /// <param name="precision">The step used to quantize.</param>
    /// <returns>steps × precision.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(int steps, float precision) => (float)(steps * (double)precision);
}
