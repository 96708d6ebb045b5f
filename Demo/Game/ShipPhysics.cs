using System.Numerics;

namespace Demo.Game;

/// <summary>The flight rule, shared by the server's simulation and the owner's prediction so both agree.</summary>
public static class ShipPhysics
{
    /// <summary>Advances <paramref name="body"/> by one tick of <paramref name="input"/>.</summary>
    public static void Step(ref ShipBody body, in ShipInput input, float deltaTime)
    {
        body.Heading = WrapAngle(body.Heading + (Math.Clamp(input.Turn, -1f, 1f) * Arena.ShipTurnRate * deltaTime));
        body.Velocity += Forward(body.Heading) * (Math.Clamp(input.Thrust, 0f, 1f) * Arena.ShipThrust * deltaTime);
        body.Velocity *= 1f - (0.6f * deltaTime);
        if (body.Velocity.LengthSquared() > Arena.ShipMaxSpeed * Arena.ShipMaxSpeed)
        {
            body.Velocity = Vector2.Normalize(body.Velocity) * Arena.ShipMaxSpeed;
        }

        body.Position += body.Velocity * deltaTime;
        Arena.Bounce(ref body.Position, ref body.Velocity);

        // Both sides keep the state at wire precision: the client replays from the quantized snapshot,
        // so a server that kept the extra bits would disagree a little after every snapshot. This way a
        // correction means a real misprediction (a late or lost input), not rounding.
        ShipBodySerializer.Quantize(in body, out var wire);
        ShipBodySerializer.Dequantize(in wire, ref body);
    }

    /// <summary>The unit vector a ship with <paramref name="heading"/> points along.</summary>
    public static Vector2 Forward(float heading) => new(MathF.Cos(heading), MathF.Sin(heading));

    private static float WrapAngle(float radians) =>
        radians > MathF.PI ? radians - (2f * MathF.PI) : radians < -MathF.PI ? radians + (2f * MathF.PI) : radians;
}
