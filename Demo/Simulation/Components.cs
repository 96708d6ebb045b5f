using System.Numerics;

namespace Demo.Simulation;

/// <summary>Where an asteroid is, in arena units.</summary>
public struct Position
{
    public Vector2 Value;
}

/// <summary>How fast an asteroid moves, in arena units per second.</summary>
public struct Velocity
{
    public Vector2 Value;
}

/// <summary>Seconds an asteroid has left before it breaks up.</summary>
public struct Lifetime
{
    public float Remaining;
}
