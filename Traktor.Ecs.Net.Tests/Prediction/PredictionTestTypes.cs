using System.Numerics;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>A player's input: a move direction (unbounded on the wire, so a cheat can send more) and a shot.</summary>
[NetInput]
public struct MoveInput
{
    [Quantize(0.01f)]
    public float X;

    [Quantize(0.01f)]
    public float Y;

    public bool Fire;

    [Quantize(0.01f)]
    public Vector2 Aim;
}

/// <summary>A ship's body, predicted by its owner.</summary>
[Replicated(Smoothing = Smoothing.Predict)]
public struct ShipBody
{
    [Range(-4000, 4000)]
    [Quantize(0.01f)]
    public Vector2 Position;
}

/// <summary>Sent only to the owner: marks "my ship" on the client.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Snap)]
public struct Pilot
{
    [Range(0, 255)]
    public int Seat;
}

/// <summary>A moving target, interpolated on clients.</summary>
[Replicated(Smoothing = Smoothing.Interpolate)]
public struct Drone
{
    [Range(-4000, 4000)]
    [Quantize(0.01f)]
    public Vector2 Position;
}

/// <summary>The movement rule, shared by the server and the client's prediction.</summary>
public static class ShipRules
{
    public const float Speed = 10f;

    public static Vector2 Step(Vector2 position, in MoveInput input, float dt)
    {
        var direction = new Vector2(input.X, input.Y);
        if (direction.LengthSquared() > 1f)
        {
            direction = Vector2.Normalize(direction); // defence in depth; validation rejects these
        }

        return position + (direction * Speed * dt);
    }
}

/// <summary>A body with momentum, predicted by its owner: rounding matters, since velocity carries it from tick to tick.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
public struct Glider
{
    [Range(-4000, 4000)]
    [Quantize(0.01f)]
    public Vector2 Position;

    [Range(-100, 100)]
    [Quantize(0.01f)]
    public Vector2 Velocity;
}
