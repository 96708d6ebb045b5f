using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>The answer to a heartbeat: the server's state and the sessions placed on it.</summary>
/// <param name="State">Live, draining, or dead (then drop every session and register anew).</param>
/// <param name="Sessions">Its live sessions, and those that ended within the last minute (with their reason).</param>
public sealed record FleetAssignments(GameServerState State, IReadOnlyList<SessionAssignment> Sessions);

/// <summary>A session placed on a game server, as the server needs it.</summary>
/// <param name="Session">The session (members, capacity, state, end reason).</param>
/// <param name="Departures">Players who left it recently, with the time (their older tickets are void).</param>
public sealed record SessionAssignment(SessionInfo Session, IReadOnlyList<SessionDeparture> Departures);

/// <summary>A player whose slot was freed.</summary>
/// <param name="UserId">The player.</param>
/// <param name="At">When, on the directory's clock.</param>
/// <param name="Reason">Why: the game server tells a player still connected (<see cref="SessionRelay.Leave"/>). A directory from
/// before reasons were recorded sends none, read as <see cref="SessionLeaveReason.Removed"/>; so is a reason this build does
/// not know (from a newer directory), rather than failing the whole heartbeat answer.</param>
public sealed record SessionDeparture(
    long UserId,
    DateTimeOffset At,
    [property: JsonConverter(typeof(SessionLeaveReasonJsonConverter))] SessionLeaveReason Reason = SessionLeaveReason.Removed);
