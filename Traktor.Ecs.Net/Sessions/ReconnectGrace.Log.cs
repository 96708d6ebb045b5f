using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Sessions;

// What the reconnect grace logs, each with an event id of its own, and how often it warns of a full grace.
public sealed partial class ReconnectGrace
{
    /// <summary>
    /// The least time between two warnings that the grace is full. Who leaves decides how often it evicts (a client with many
    /// connect tokens, or a crowd dropping at once): a warning per eviction let that write the server's log as fast as
    /// players could leave. The evictions between two warnings are added up into the next one, and each evicted player still
    /// gets its own Information line (<see cref="ReleasedEarlyEvent"/>) in place of the one its period's end would have given.
    /// </summary>
    internal static readonly TimeSpan EvictionWarningInterval = RateLimitedLog.DefaultInterval;

    /// <summary>The warning that the grace is full and the player that left first is released early.</summary>
    internal const int GraceFullEvent = 1;

    /// <summary>The warning adding up the evictions made since the last warning, once <see cref="EvictionWarningInterval"/> has passed.</summary>
    internal const int EvictionsSinceWarningEvent = 2;

    /// <summary>A player released early because the grace was full: its entities are destroyed (Information).</summary>
    internal const int ReleasedEarlyEvent = 3;

    /// <summary>A player that left its session: its entities are destroyed (Information).</summary>
    internal const int LeftSessionEvent = 4;

    /// <summary>A player whose period ended without a reconnect: its entities are destroyed (Information).</summary>
    internal const int DidNotReturnEvent = 5;

    /// <summary>A player that came back in its period: its entities are restored (Information).</summary>
    internal const int ReconnectedEvent = 6;

    private readonly RateLimitedLog evictionLog;

    /// <summary>Warns that <paramref name="clientId"/> was released early, unless a warning went out less than <see cref="EvictionWarningInterval"/> ago.</summary>
    private void Evicted(ulong clientId)
    {
        if (evictionLog.TryLog(out long earlier))
        {
            GraceFull(MaxWaiting, clientId, earlier);
        }
    }

    /// <summary>Warns of the evictions not warned of yet once the interval has passed (each tick, from <see cref="Expire"/>).</summary>
    private void FlushEvictionWarning()
    {
        if (evictionLog.TryFlush(out long count))
        {
            EvictionsSinceWarning(count, MaxWaiting);
        }
    }

    [LoggerMessage(EventId = GraceFullEvent, EventName = "ReconnectGraceFull", Level = LogLevel.Warning,
        Message = "Reconnect grace is waiting for {Max} players: client {ClientId}, the one that left first, is released early " +
            "({Earlier} more released early since the last such warning; warned at most once a second, every one counted in traktor.sessions.reconnect_grace.evicted).")]
    private partial void GraceFull(int max, ulong clientId, long earlier);

    [LoggerMessage(EventId = EvictionsSinceWarningEvent, EventName = "ReconnectGraceEvictions", Level = LogLevel.Warning,
        Message = "Reconnect grace released {Count} more players early since the last such warning, the ones that left first, because {Max} players were already waited for.")]
    private partial void EvictionsSinceWarning(long count, int max);

    [LoggerMessage(EventId = ReleasedEarlyEvent, EventName = "ReconnectGraceReleasedEarly", Level = LogLevel.Information,
        Message = "Client {ClientId} released early, before its reconnect grace ended ({Max} players were already waited for): {Count} entities destroyed.")]
    private partial void ReleasedEarly(ulong clientId, int max, int count);

    [LoggerMessage(EventId = LeftSessionEvent, EventName = "ReconnectGraceLeftSession", Level = LogLevel.Information,
        Message = "Client {ClientId} left its session: {Count} entities destroyed.")]
    private partial void LeftSession(ulong clientId, int count);

    [LoggerMessage(EventId = DidNotReturnEvent, EventName = "ReconnectGraceExpired", Level = LogLevel.Information,
        Message = "Client {ClientId} did not return within {Period}: {Count} entities destroyed.")]
    private partial void DidNotReturn(ulong clientId, TimeSpan period, int count);

    [LoggerMessage(EventId = ReconnectedEvent, EventName = "ReconnectGraceRestored", Level = LogLevel.Information,
        Message = "Client {ClientId} reconnected as {Connection}: {Count} entities restored from {Old}.")]
    private partial void Reconnected(ulong clientId, ConnectionId connection, int count, ConnectionId old);
}
