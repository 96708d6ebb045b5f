using System.Numerics;

namespace Demo.Game;

/// <summary>Random placement inside the arena walls.</summary>
public static class ArenaSpawn
{
    /// <summary>A point at least <paramref name="margin"/> inside the walls.</summary>
    public static Vector2 RandomPoint(Random random, float margin)
    {
        float span = Arena.HalfExtent - margin;
        return new Vector2(((float)random.NextDouble() * 2f - 1f) * span, ((float)random.NextDouble() * 2f - 1f) * span);
    }
}
