using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>A shot in flight, tagged with who fired it so the score goes to them.</summary>
[Replicated(Importance = 2, Smoothing = Smoothing.Snap)]
public struct Bullet
{
    /// <summary>The pilot id of the shooter.</summary>
    [Range(0, 1_000_000)]
    public int ShooterId;
}
