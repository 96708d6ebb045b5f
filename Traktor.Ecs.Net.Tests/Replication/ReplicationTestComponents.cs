using System.Numerics;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>A 2D position replicated to everyone and interpolated.</summary>
[Replicated(Importance = 1, Smoothing = Smoothing.Snap)]
public struct Position2
{
    [Range(-2000, 2000)]
    [Quantize(0.01f)]
    public Vector2 Value;
}

/// <summary>Health, sent only to the owner.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Snap)]
public struct Health
{
    [Range(0, 1000)]
    public int Value;
}

/// <summary>A team badge everyone but the owner sees.</summary>
[Replicated(Audience = Audience.AllButOwner, Smoothing = Smoothing.Snap)]
public struct Badge
{
    [Range(0, 255)]
    public int Color;
}

/// <summary>A reference to another replicated entity, carried as its network id.</summary>
[Replicated(Smoothing = Smoothing.Snap)]
public struct Follow
{
    public Traktor.Ecs.Net.NetworkId Target;
}

/// <summary>An interpolated marker whose entity is sent at most 15 times a second (every 4th tick at 60 Hz).</summary>
[Replicated(SendRate = 15, Smoothing = Smoothing.Interpolate)]
public struct SlowMarker
{
    [Range(-100000, 100000)]
    [Quantize(0.01f)]
    public Vector2 Value;
}
