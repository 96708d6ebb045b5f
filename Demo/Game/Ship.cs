using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>A player's ship: who flies it, its score and health. Changes rarely, so it is snapped, not interpolated.</summary>
[Replicated(Importance = 3, Smoothing = Smoothing.Snap)]
public struct Ship
{
    /// <summary>The client id the pilot connected with (the account's user id), so a bot finds its own ship.</summary>
    [Range(0, 1_000_000)]
    public int PilotId;

    /// <summary>Points scored this match.</summary>
    [Range(0, 100_000)]
    public int Score;

    /// <summary>Hull points left; a ship at zero respawns.</summary>
    [Range(0, Arena.ShipHealth)]
    public int Health;
}
