namespace Traktor.Ecs.Net.Sessions;

/// <summary>What a game server reports on each heartbeat.</summary>
/// <param name="Draining">True to take no new sessions (the server exits when its last session ends).</param>
/// <param name="TickMilliseconds">Its mean tick time over the last interval, all sessions together (for dashboards).</param>
/// <param name="Sessions">Who is connected to each session it hosts.</param>
public sealed record GameServerHeartbeat(bool Draining, double TickMilliseconds, IReadOnlyList<HostedSessionReport> Sessions);

/// <summary>One hosted session in a heartbeat.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Connected">The players connected to it now (members that never connect are released after the token lifetime).</param>
/// <param name="TickMilliseconds">Its mean tick time over the last interval.</param>
public sealed record HostedSessionReport(SessionId SessionId, IReadOnlyList<long> Connected, double TickMilliseconds);
