using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>How the client predicts and paces its inputs.</summary>
public sealed class ClientPredictionOptions
{
    /// <summary>Ticks of input the server should hold for this client (time dilation aims at it).</summary>
    public int TargetBufferTicks { get; set; } = 2;

    /// <summary>Inputs per message: the newest plus earlier ones repeated against loss (1–8).</summary>
    public int RedundantInputs { get; set; } = 4;

    /// <summary>The largest speed-up or slow-down of the client's tick, e.g. 0.05 for ±5 %.</summary>
    public double MaxRateAdjustment { get; set; } = 0.05;

    /// <summary>Optional smoothing of visible corrections (and their count).</summary>
    public PredictionSmoothing? Smoothing { get; set; }
}
