namespace Traktor.Ecs.Net.Online;

/// <summary>Why an online-service call failed. Every implementation (embedded or HTTP) reports the same codes.</summary>
public enum OnlineError
{
    /// <summary>A request argument is out of bounds or malformed (HTTP 400).</summary>
    InvalidArgument,

    /// <summary>The credentials or token are missing, wrong, forged, expired or revoked (HTTP 401).</summary>
    Unauthorized,

    /// <summary>The caller is known but may not do this, e.g. a player writing an authoritative board (HTTP 403).</summary>
    Forbidden,

    /// <summary>The leaderboard, achievement, slot or user does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>The thing already exists, e.g. a taken username (HTTP 409).</summary>
    Conflict,

    /// <summary>An optimistic-concurrency check failed: the stored version is not the expected one (HTTP 412).</summary>
    VersionConflict,

    /// <summary>A per-player quota on bytes or slots would be exceeded (HTTP 413).</summary>
    QuotaExceeded,

    /// <summary>Too many requests or failed logins; retry after <see cref="OnlineException.RetryAfter"/> (HTTP 429).</summary>
    RateLimited,

    /// <summary>The service could not be reached or failed unexpectedly (HTTP 5xx or a network error).</summary>
    Unavailable,
}
