using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>
/// What a pilot asks for each tick, sent as a stamped input command (the last few repeated in every
/// packet) and applied by the server at the same tick the client predicted it.
/// </summary>
[NetInput]
public struct ShipInput
{
    /// <summary>Forward thrust, 0 to 1.</summary>
    [Range(0, 1)]
    [Quantize(0.01f)]
    public float Thrust;

    /// <summary>Turn rate, -1 (clockwise) to 1.</summary>
    [Range(-1, 1)]
    [Quantize(0.01f)]
    public float Turn;
}
