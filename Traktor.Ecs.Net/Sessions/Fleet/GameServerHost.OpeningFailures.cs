using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>What the host remembers of sessions whose <see cref="HostedSessionFactory"/> threw.</summary>
public sealed partial class GameServerHost
{
    /// <summary>
    /// Sessions remembered as failed to open, at most: their ids come from the directory and sealed tickets, so they are few,
    /// but a factory broken for every session of a long-running server must not grow the set without end. Past it the set
    /// is forgotten, and each session's next failure is logged as an Error once more.
    /// </summary>
    private const int MaxRememberedOpeningFailures = 1024;

    /// <summary>Sessions whose factory threw and that have not opened since: their next failures are logged at Debug.</summary>
    private readonly HashSet<SessionId> openingFailed = new();

    private long sessionOpeningFailures;

    /// <summary>
    /// Times the <see cref="HostedSessionFactory"/> threw while opening a session (each try counts: the heartbeats that list
    /// it and the tickets for it try again). Also counted by <see cref="SessionHostingMetrics.SessionOpeningFailures"/>.
    /// </summary>
    public long SessionOpeningFailures => Interlocked.Read(ref sessionOpeningFailures);

    /// <summary>
    /// Counts a factory's failure and logs it: an Error the first time for a session, Debug after, so a factory that
    /// always throws does not log an Error at every heartbeat and every connection request of the session's players.
    /// </summary>
    private void FactoryFailed(Exception exception, SessionId session)
    {
        Interlocked.Increment(ref sessionOpeningFailures);
        SessionHostingMetrics.SessionOpeningFailures.Add(1);
        if (openingFailed.Count >= MaxRememberedOpeningFailures && !openingFailed.Contains(session))
        {
            openingFailed.Clear();
        }

        if (openingFailed.Add(session))
        {
            SessionFactoryFailed(exception, session);
        }
        else
        {
            SessionFactoryFailedAgain(exception, session);
        }
    }

    /// <summary>The session opened: a later failure of it is news again. (One that never opens is forgotten only when the set is cleared at its cap.)</summary>
    private void ForgetOpeningFailure(SessionId session) => openingFailed.Remove(session);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Session {Session} not opened: the hosted-session factory threw; tried again when a heartbeat lists it or a ticket for it arrives (its further failures are logged at Debug and counted in traktor.sessions.opening_failures).")]
    private partial void SessionFactoryFailed(Exception exception, SessionId session);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Session {Session} not opened again: the hosted-session factory threw once more.")]
    private partial void SessionFactoryFailedAgain(Exception exception, SessionId session);
}
