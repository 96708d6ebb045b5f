using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Instruments of the player's side of sessions (<see cref="Multiplayer"/> and Lua's <c>multiplayer</c>) on the assembly's
/// meter (<see cref="NetMetrics.MeterName"/>).
/// </summary>
public static class MultiplayerMetrics
{
    /// <summary>
    /// Seats the player's game could not give back to the directory (a join given up, a host disposed), tagged
    /// <c>traktor.reason</c>: <c>timeout</c> (no answer in time), <c>directory</c> (an <see cref="Online.OnlineException"/>),
    /// <c>network</c> (an <see cref="HttpRequestException"/>), <c>unexpected</c> (any other exception: a directory's bug).
    /// Each such seat stays taken until the directory's own expiry releases it (docs/sessions.md).
    /// </summary>
    public static readonly Counter<long> SeatGiveBacksFailed = NetMetrics.Meter.CreateCounter<long>("traktor.multiplayer.seat_give_backs.failed", "{seat}", "Seats the player's game could not give back to the directory");
}
