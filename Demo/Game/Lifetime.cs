namespace Demo.Game;

/// <summary>Seconds before a bullet vanishes. Server-only.</summary>
public struct Lifetime
{
    public float Remaining;
}
