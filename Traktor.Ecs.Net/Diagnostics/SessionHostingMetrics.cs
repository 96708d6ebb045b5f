using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Instruments of the game server's side of sessions (<see cref="Sessions.SessionRelay"/>) on the assembly's meter
/// (<see cref="NetMetrics.MeterName"/>).
/// </summary>
public static class SessionHostingMetrics
{
    /// <summary>
    /// Reports of an expired reconnect grace asked of the directory again after a failure (unreachable, busy, no answer in
    /// time): one per retry.
    /// </summary>
    public static readonly Counter<long> LeaveReportsRetried = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.leave_reports.retried", "{report}", "Grace-expiry leave reports asked again after a failure");

    /// <summary>
    /// Reports of an expired reconnect grace given up, tagged <c>traktor.reason</c>: <c>exhausted</c> (still failing when the
    /// retry window ran out), <c>refused</c> (an error that asking again cannot mend, such as <see cref="Online.OnlineError.Forbidden"/>),
    /// <c>overflow</c> (too many reports pending, never sent), <c>unexpected</c> (any other exception: a directory's bug). Such
    /// a seat stays taken until the directory's own expiry releases it (docs/sessions.md).
    /// </summary>
    public static readonly Counter<long> LeaveReportsFailed = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.leave_reports.failed", "{report}", "Grace-expiry leave reports given up");

    /// <summary>
    /// Waits of grace-expiry leave reports for a place to call the directory: the relay's 32 calls to it were all running
    /// (awaited, or given up at their timeout and not ended). One per wait; a report that finds no place within its retry
    /// window is given up (<see cref="LeaveReportsFailed"/>, reason <c>capped</c>).
    /// </summary>
    public static readonly Counter<long> LeaveReportsCapped = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.leave_reports.capped", "{report}", "Grace-expiry leave reports held back by directory calls still running after their timeout");

    /// <summary>
    /// Players released from a reconnect grace before their period ended because <see cref="Sessions.ReconnectGrace.MaxWaiting"/>
    /// players were already waited for (the one that left first goes): one per player.
    /// </summary>
    public static readonly Counter<long> ReconnectGraceEvicted = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.reconnect_grace.evicted", "{player}", "Players released from a full reconnect grace before their period ended");

    /// <summary>
    /// Times a game server's <see cref="Sessions.HostedSessionFactory"/> threw while opening a session: one per try (every
    /// heartbeat that lists the session and every ticket for it tries again), while the host logs an Error only at a
    /// session's first failure.
    /// </summary>
    public static readonly Counter<long> SessionOpeningFailures = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.opening_failures", "{failure}", "Hosted-session factory failures while opening a session");
}
