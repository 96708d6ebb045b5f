using System.Numerics;

namespace Demo.Game;

/// <summary>The arena's rules in numbers, shared by the server simulation and the bots.</summary>
public static class Arena
{
    /// <summary>The arena is a square from -HalfExtent to +HalfExtent with walls that bounce.</summary>
    public const int HalfExtent = 600;

    /// <summary>How far a ship sees (the relevancy radius): rocks further away are not sent to it.</summary>
    public const float ViewRadius = 420f;

    public const int ShipHealth = 100;
    public const float ShipRadius = 10f;
    public const float ShipThrust = 220f;
    public const float ShipMaxSpeed = 180f;
    public const float ShipTurnRate = 3.5f;
    public const float BulletSpeed = 420f;
    public const float BulletLifetime = 1.1f;
    public const float FireCooldown = 0.25f;
    public const int TickRate = 60;

    /// <summary>
    /// Snapshots per second to each pilot (<see cref="Traktor.Ecs.Net.ServerReplicationOptions.SnapshotRate"/>): one every
    /// tick by default; --snapshot-rate 30 sends every second tick, about half the bytes for two ticks more of delay.
    /// </summary>
    public const int SnapshotRate = TickRate;

    /// <summary>Reflects a mover off the arena walls, keeping it inside.</summary>
    public static void Bounce(ref Vector2 position, ref Vector2 velocity)
    {
        const float limit = HalfExtent - 1f;
        if (MathF.Abs(position.X) > limit)
        {
            velocity.X = -velocity.X;
            position.X = Math.Clamp(position.X, -limit, limit);
        }

        if (MathF.Abs(position.Y) > limit)
        {
            velocity.Y = -velocity.Y;
            position.Y = Math.Clamp(position.Y, -limit, limit);
        }
    }
}
