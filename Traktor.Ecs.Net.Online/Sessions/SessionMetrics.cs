using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>The session directory's counters, on the online services' meter (<see cref="OnlineMetrics.MeterName"/>).</summary>
public static class SessionMetrics
{
    private static readonly Meter Meter = new(OnlineMetrics.MeterName, typeof(SessionMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// The tag naming why a join was refused, a session ended or a takeover was refused: <c>traktor.reason</c>, the name
    /// every other instrument of the library tags its reasons with, so one dashboard query reads them all.
    /// </summary>
    public const string ReasonTag = "traktor.reason";

    /// <summary>
    /// Takeovers of player-hosted sessions refused (tagged <see cref="ReasonTag"/>: <c>not_successor</c>, a member the host did not
    /// report; <c>host_reports</c>, the host not silent long enough; <c>no_quorum</c>, too few players behind the claimant
    /// reported the host lost; <c>ahead_migrating</c>, a successor ahead of the claimant reported the host lost within a turn and
    /// is taking over).
    /// </summary>
    public static readonly Counter<long> HostClaimsRefused = Meter.CreateCounter<long>("traktor.sessions.host_claims_refused", description: "Player-hosted session takeovers refused");

    /// <summary>Player-hosted sessions their host gave back before hosting them (<see cref="SessionDirectory.ReleaseHostAsync"/>).</summary>
    public static readonly Counter<long> HostReleases = Meter.CreateCounter<long>("traktor.sessions.host_releases", description: "Player-hosted sessions given back by their host");

    /// <summary>Members' reports that their game lost a player-hosted session's host.</summary>
    public static readonly Counter<long> HostLossReports = Meter.CreateCounter<long>("traktor.sessions.host_loss_reports", description: "Reports of a lost player host");

    /// <summary>Sessions created (directly or by a quick-join).</summary>
    public static readonly Counter<long> SessionsCreated = Meter.CreateCounter<long>("traktor.sessions.created", description: "Sessions created");

    /// <summary>Seats taken.</summary>
    public static readonly Counter<long> Joins = Meter.CreateCounter<long>("traktor.sessions.joins", description: "Session seats taken");

    /// <summary>Joins refused, tagged <see cref="ReasonTag"/>: <c>full</c>, <c>ended</c>.</summary>
    public static readonly Counter<long> JoinsRefused = Meter.CreateCounter<long>("traktor.sessions.joins_refused", description: "Session joins refused");

    /// <summary>Seats given up (left, released idle).</summary>
    public static readonly Counter<long> Leaves = Meter.CreateCounter<long>("traktor.sessions.leaves", description: "Session seats given up");

    /// <summary>Sessions ended, tagged <see cref="ReasonTag"/>: the <see cref="Traktor.Ecs.Net.Sessions.SessionEndReason"/>.</summary>
    public static readonly Counter<long> SessionsEnded = Meter.CreateCounter<long>("traktor.sessions.ended", description: "Sessions ended");

    /// <summary>Sessions that could not be placed: no live server had room.</summary>
    public static readonly Counter<long> PlacementsFailed = Meter.CreateCounter<long>("traktor.sessions.placements_failed", description: "Sessions that found no server with room");

    /// <summary>Game servers declared dead for missing their heartbeats.</summary>
    public static readonly Counter<long> ServersDeclaredDead = Meter.CreateCounter<long>("traktor.fleet.servers_dead", description: "Game servers declared dead");
}
