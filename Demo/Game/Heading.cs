using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>Which way a ship points; interpolated so remote ships turn smoothly.</summary>
[Replicated(Importance = 1, SendRate = 30, Smoothing = Smoothing.Interpolate)]
public struct Heading
{
    /// <summary>Radians in [-π, π].</summary>
    [Range(-3.2f, 3.2f)]
    [Quantize(0.01f)]
    public float Radians;
}
