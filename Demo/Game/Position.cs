using System.Numerics;
using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>Where a ship, asteroid or bullet is; replicated to everyone near it and interpolated on clients.</summary>
[Replicated(Importance = 2, Smoothing = Smoothing.Interpolate)]
public struct Position
{
    /// <summary>Arena units.</summary>
    [Range(-Arena.HalfExtent, Arena.HalfExtent)]
    [Quantize(0.05f)]
    public Vector2 Value;
}
