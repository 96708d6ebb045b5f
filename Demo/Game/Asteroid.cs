using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>A rock: large ones split in two when shot.</summary>
[Replicated(Importance = 1, Smoothing = Smoothing.Snap)]
public struct Asteroid
{
    /// <summary>1 (small) to 3 (large).</summary>
    [Range(1, 3)]
    public int Size;

    /// <summary>The collision radius of a rock of <see cref="Size"/>.</summary>
    public readonly float Radius => Size * 12f;
}
