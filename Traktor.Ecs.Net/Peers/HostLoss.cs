namespace Traktor.Ecs.Net;

/// <summary>
/// What the end of a player's connection to the player hosting its session means, one rule for every migrating client
/// (<see cref="MigratingPeer"/>, the <see cref="Multiplayer"/> facade, Lua's hosting): a host's loss is inferred only from
/// silence (this client timed the link out, <see cref="DisconnectReason.TimedOut"/> of its own). A Disconnect packet the host
/// sent proves it alive: whatever its reason, the player was cut (out), except for the two reasons by which a host says it
/// stops hosting itself: <see cref="DisconnectReason.ServerShutdown"/> (it quit: its successor takes over) and
/// <see cref="DisconnectReason.HostGaveWay"/> (another player hosts the session now: follow it).
/// </summary>
/// <remarks>
/// A received <see cref="DisconnectReason.TimedOut"/> is no host loss: a host cuts a player it heard nothing from with that
/// reason, so on a one-way link failure (the player's packets lost, the host's arriving) reading it as one would make the
/// live player elect a successor and host beside its host: the session would split.
/// </remarks>
internal static class HostLoss
{
    /// <summary>True when the link's end means the host is gone (elect or follow a successor), false when it cut this player.</summary>
    /// <param name="reason">Why the link ended (<see cref="NetClient.LastDisconnectReason"/>).</param>
    /// <param name="byHost">Whether the host's packet ended it (<see cref="NetClient.LastDisconnectByServer"/>).</param>
    public static bool IsLost(DisconnectReason? reason, bool byHost) =>
        byHost ? reason == DisconnectReason.ServerShutdown : reason == DisconnectReason.TimedOut;

    /// <summary>
    /// True when the session may go on under another host for this player: the host is lost (<see cref="IsLost"/>) or it
    /// gave way (<see cref="DisconnectReason.HostGaveWay"/>, which only the host sends).
    /// </summary>
    /// <param name="reason">Why the link ended.</param>
    /// <param name="byHost">Whether the host's packet ended it.</param>
    public static bool MayGoOn(DisconnectReason? reason, bool byHost) =>
        IsLost(reason, byHost) || (byHost && reason == DisconnectReason.HostGaveWay);
}
