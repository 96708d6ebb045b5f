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
    /// Reports of an expired reconnect grace that had to wait before asking the directory (again): as many of its earlier
    /// calls of the relay, given up at their timeout without an answer, were still running as it allows (32). Each waits, not
    /// dropped, until one of them ends; one per report that waited.
    /// </summary>
    public static readonly Counter<long> LeaveReportsCapped = NetMetrics.Meter.CreateCounter<long>("traktor.sessions.leave_reports.capped", "{report}", "Grace-expiry leave reports held back by directory calls still running after their timeout");
}
