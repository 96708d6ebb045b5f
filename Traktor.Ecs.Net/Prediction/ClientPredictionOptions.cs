using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>How the client predicts and paces its inputs.</summary>
public sealed class ClientPredictionOptions
{
    /// <summary>
    /// Ticks of input the server should hold for this client (time dilation aims at it); 2 by default, 0 to 32 (half the
    /// 64 ticks of inputs a client keeps, so the round trip still fits). A negative value predicted about four billion
    /// ticks ahead.
    /// </summary>
    public int TargetBufferTicks { get; set; } = 2;

    /// <summary>Inputs per message: the newest plus earlier ones repeated against loss (1–8).</summary>
    public int RedundantInputs { get; set; } = 4;

    /// <summary>The largest speed-up or slow-down of the client's tick, e.g. 0.05 for ±5 %; at least 0 and below 1.</summary>
    public double MaxRateAdjustment { get; set; } = 0.05;

    /// <summary>Optional smoothing of visible corrections (and their count).</summary>
    public PredictionSmoothing? Smoothing { get; set; }

    /// <summary>Throws for a value that breaks the client's clock; checked when the <c>ClientPrediction</c> is made.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MaxRateAdjustment"/> is NaN, negative, or 1 or more.</exception>
    /// <summary>The copy a prediction keeps (<see cref="Smoothing"/> is shared: it is the caller's setting object).</summary>
    internal ClientPredictionOptions Snapshot() => (ClientPredictionOptions)MemberwiseClone();

    internal void Validate()
    {
        // NaN bounds made Math.Clamp return the pacing error unclamped (no limit on the speed-up); a negative one made it throw
        // at every tick; 1 or more could stop the client's clock or run it backwards.
        if (TargetBufferTicks is < 0 or > PredictionFormat.HistoryTicks / 2)
            throw new ArgumentOutOfRangeException(nameof(TargetBufferTicks), TargetBufferTicks, "TargetBufferTicks must be from 0 to 32.");
        if (!(MaxRateAdjustment >= 0 && MaxRateAdjustment < 1))
            throw new ArgumentOutOfRangeException(nameof(MaxRateAdjustment), MaxRateAdjustment, "MaxRateAdjustment must be at least 0 and below 1.");
    }
}
