namespace Traktor.Ecs.Net.Bench.Ecs;

/// <summary>A 3D position (12 bytes), as a game would store it.</summary>
public struct Position
{
    public float X;
    public float Y;
    public float Z;
}

/// <summary>A 3D velocity (12 bytes).</summary>
public struct Velocity
{
    public float X;
    public float Y;
    public float Z;
}

/// <summary>A tag-like component added and removed in the structural benchmarks.</summary>
public struct Frozen
{
    public int Since;
}
