namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Why a player's seat in a session was freed, as the directory records it (<see cref="SessionDeparture.Reason"/>): the
/// game server tells a player still connected the matching <see cref="DisconnectReason"/>.
/// </summary>
public enum SessionLeaveReason
{
    /// <summary>
    /// The game server or an operator (with the server key) removed the player, or a directory from before reasons were
    /// recorded did not say: <see cref="DisconnectReason.Kicked"/>.
    /// </summary>
    Removed = 0,

    /// <summary>
    /// The player gave up its seat itself (<see cref="ISessions.LeaveSessionAsync(SessionId, long, CancellationToken)"/> with
    /// its own credentials, from any device, or by joining another session): <see cref="DisconnectReason.LeftSession"/>.
    /// </summary>
    Left = 1,

    /// <summary>
    /// The player was gone already: its reconnect grace expired, it never reached the game server, or the host it played on
    /// was lost. A connection still open for it ends with <see cref="DisconnectReason.Kicked"/>, not
    /// <see cref="DisconnectReason.TimedOut"/>: that one means the link was lost, and a player-hosted client would take it
    /// for its host's loss and migrate.
    /// </summary>
    TimedOut = 2,
}
