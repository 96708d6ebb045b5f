using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// A backend node's own instruments, on the meter <see cref="MeterName"/> beside the online services' (docs/DEPLOY.md):
/// what the node answered, by route and outcome, and which requests its per-address limits and its authentication turned
/// away. Every tag value comes from a bounded set (the route table, fixed words), never from the request itself, so a
/// client sending random paths or methods cannot grow a metrics pipeline's series.
/// </summary>
public static class BackendMetrics
{
    /// <summary>The name of the backend's meter.</summary>
    public const string MeterName = "Traktor.Ecs.Net.Backend";

    /// <summary>The tag naming the route: its method and pattern (<c>POST /v1/sessions/{id}/join</c>), or <c>unmatched</c>.</summary>
    public const string RouteTag = "traktor.route";

    /// <summary>
    /// The tag saying how a request ended: <c>ok</c> (below 400), <c>unauthorized</c> (401), <c>forbidden</c> (403),
    /// <c>rate_limited</c> (429), <c>client_error</c> (another 4xx), <c>server_error</c> (5xx), <c>aborted</c> (the client
    /// went away first).
    /// </summary>
    public const string OutcomeTag = "traktor.outcome";

    /// <summary>The tag naming the per-address limit that refused a request: <c>rate</c> or <c>concurrency</c>.</summary>
    public const string LimitTag = "traktor.limit";

    /// <summary>
    /// The tag saying why a request's credentials were refused: <c>missing</c> (neither a bearer token nor a server key),
    /// <c>server_key</c> (an unknown key), <c>access_token</c> (invalid, expired, or of a revoked session); for a refresh
    /// token, <c>refresh_invalid</c> (malformed or forged), <c>refresh_unknown</c> (no such session), <c>refresh_expired</c>,
    /// <c>refresh_revoked</c> (its session logged out or revoked) or <c>refresh_reused</c> (spent before: the session is
    /// revoked now).
    /// </summary>
    public const string ReasonTag = "traktor.reason";

    private static readonly Meter Meter = new(MeterName, typeof(BackendMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Requests answered, tagged <see cref="RouteTag"/> and <see cref="OutcomeTag"/>.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("traktor.backend.requests", "{request}", "HTTP requests answered, by route and outcome");

    /// <summary>
    /// Requests refused with 429 by the node's per-address limits (<c>RequestsPerSecondPerAddress</c>,
    /// <c>ConcurrentRequestsPerAddress</c>), tagged <see cref="RouteTag"/> and <see cref="LimitTag"/>. The shared
    /// register/login/refresh budget counts its own refusals (<c>traktor.online.shared_rate_limited</c>).
    /// </summary>
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("traktor.backend.rate_limited", "{request}", "Requests refused by a per-address limit");

    /// <summary>
    /// Requests refused because their credentials were missing or wrong, tagged <see cref="ReasonTag"/>. Wrong passwords
    /// are <c>traktor.online.login_failures</c>.
    /// </summary>
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("traktor.backend.auth_failures", "{request}", "Requests refused for missing or invalid credentials");
}
