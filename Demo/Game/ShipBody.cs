using System.Numerics;
using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>
/// A ship's flight state, sent only to its owner and predicted there: the owner's client runs the same
/// <see cref="ShipPhysics"/> on its own input at once, and replays from this state when a snapshot arrives.
/// Everyone (owner included) also gets the ship's interpolated <see cref="Position"/> and <see cref="Heading"/>.
/// </summary>
[Replicated(Importance = 3, Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
public struct ShipBody
{
    [Range(-Arena.HalfExtent, Arena.HalfExtent)]
    [Quantize(0.01f)]
    public Vector2 Position;

    [Range(-400, 400)]
    [Quantize(0.01f)]
    public Vector2 Velocity;

    [Range(-3.2f, 3.2f)]
    [Quantize(0.001f)]
    public float Heading;
}
