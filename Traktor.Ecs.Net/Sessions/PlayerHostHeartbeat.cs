namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The directory's answer to a player host's heartbeat (<see cref="IPlayerHostedSessions.HostHeartbeatAsync"/>): whether
/// the session is still live, and the players whose seats were freed recently, as a game server's heartbeat answer lists
/// them (<see cref="SessionAssignment.Departures"/>): the host's relay disconnects one still connected
/// (<see cref="SessionRelay.Leave"/>), so a player that left from another device, or was removed, does not stay in the game.
/// </summary>
/// <param name="Live">False when the session is not live any more (the host should stop).</param>
/// <param name="Departures">The players whose seats were freed recently, with when and why (empty from an older directory).</param>
public sealed record PlayerHostHeartbeat(bool Live, IReadOnlyList<SessionDeparture> Departures);
