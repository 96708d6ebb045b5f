using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Predicts a quantized value at the target tick from up to three acknowledged baselines
/// (newest first). With one or two baselines, or when the two most recent per-tick velocities
/// disagree in direction, the prediction is the newest baseline. When they agree, the newest
/// velocity is extrapolated linearly to the target tick. Built once per entity from the ticks;
/// <see cref="Predict"/> is then pure integer arithmetic, identical on both ends.
/// </summary>
public readonly struct DeltaPrediction
{
    /// <summary>Largest extrapolation distance in ticks; farther targets use the newest baseline.</summary>
    public const int MaxExtrapolationTicks = 32;

    private readonly long _ahead;
    private readonly long _span0;
    private readonly long _span1;

    private DeltaPrediction(long ahead, long span0, long span1)
    {
        _ahead = ahead;
        _span0 = span0;
        _span1 = span1;
    }

    /// <summary>Prediction from the newest baseline only.</summary>
    public static DeltaPrediction NewestOnly => default;

    /// <summary>True when <see cref="Predict"/> may extrapolate.</summary>
    public bool IsLinear => _span0 > 0;

    /// <summary>Prepares a prediction for <paramref name="targetTick"/> from baselines at the given ticks.</summary>
    /// <param name="targetTick">Tick being encoded.</param>
    /// <param name="baseline0Tick">Newest baseline's tick.</param>
    /// <param name="baseline1Tick">Older baseline's tick (ignored when <paramref name="baselineCount"/> &lt; 3).</param>
    /// <param name="baseline2Tick">Oldest baseline's tick (ignored when <paramref name="baselineCount"/> &lt; 3).</param>
    /// <param name="baselineCount">How many baselines are available (1–3).</param>
    /// <returns>The prediction; <see cref="NewestOnly"/> when the ticks are not strictly increasing.</returns>
    public static DeltaPrediction FromTicks(uint targetTick, uint baseline0Tick, uint baseline1Tick, uint baseline2Tick, int baselineCount)
    {
        long ahead = unchecked((int)(targetTick - baseline0Tick));
        long span0 = unchecked((int)(baseline0Tick - baseline1Tick));
        long span1 = unchecked((int)(baseline1Tick - baseline2Tick));
        if (baselineCount < 3 || ahead <= 0 || ahead > MaxExtrapolationTicks || span0 <= 0 || span1 <= 0 ||
            span0 > MaxExtrapolationTicks || span1 > MaxExtrapolationTicks)
        {
            return NewestOnly;
        }

        return new DeltaPrediction(ahead, span0, span1);
    }

    /// <summary>The predicted value (wrapping arithmetic, so both ends agree bit for bit).</summary>
    /// <param name="baseline0">Newest baseline's value.</param>
    /// <param name="baseline1">Older baseline's value.</param>
    /// <param name="baseline2">Oldest baseline's value.</param>
    /// <returns>The prediction.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Predict(int baseline0, int baseline1, int baseline2)
    {
        if (_span0 == 0)
        {
            return baseline0;
        }

        long delta0 = (long)baseline0 - baseline1;
        long delta1 = (long)baseline1 - baseline2;
        // Velocities agree when both moved the same way (compared per tick: spans may differ).
        long agreement = Math.Sign(delta0 * _span1) * Math.Sign(delta1 * _span0);
        if (agreement <= 0)
        {
            return baseline0;
        }

        long numerator = delta0 * _ahead;
        long step = (numerator + (Math.Sign(numerator) * (_span0 / 2))) / _span0;
        return unchecked((int)(baseline0 + step));
    }
}
