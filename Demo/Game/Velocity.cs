using System.Numerics;

namespace Demo.Game;

/// <summary>Arena units per second. Server-only: clients see motion through interpolated positions.</summary>
public struct Velocity
{
    public Vector2 Value;
}
