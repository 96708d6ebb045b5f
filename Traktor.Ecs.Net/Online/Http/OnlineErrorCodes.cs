using System.Net;

namespace Traktor.Ecs.Net.Online;

/// <summary>The wire names and HTTP status codes of <see cref="OnlineError"/>, shared by the backend and the HTTP clients.</summary>
public static class OnlineErrorCodes
{
    /// <summary>
    /// The code of a 404 answer meaning "the item you asked for does not exist" (a missing save slot or
    /// score record), which the HTTP clients turn into null, unlike <c>not_found</c> for a missing board or achievement.
    /// </summary>
    public const string Absent = "absent";

    /// <summary>The snake_case name of an error on the wire.</summary>
    /// <param name="error">The error.</param>
    public static string ToCode(OnlineError error) => error switch
    {
        OnlineError.InvalidArgument => "invalid_argument",
        OnlineError.Unauthorized => "unauthorized",
        OnlineError.Forbidden => "forbidden",
        OnlineError.NotFound => "not_found",
        OnlineError.Conflict => "conflict",
        OnlineError.VersionConflict => "version_conflict",
        OnlineError.QuotaExceeded => "quota_exceeded",
        OnlineError.RateLimited => "rate_limited",
        _ => "unavailable",
    };

    /// <summary>Parses a wire name back into an error; unknown names become <see cref="OnlineError.Unavailable"/>.</summary>
    /// <param name="code">The wire name.</param>
    public static OnlineError FromCode(string? code) => code switch
    {
        "invalid_argument" => OnlineError.InvalidArgument,
        "unauthorized" => OnlineError.Unauthorized,
        "forbidden" => OnlineError.Forbidden,
        "not_found" => OnlineError.NotFound,
        "conflict" => OnlineError.Conflict,
        "version_conflict" => OnlineError.VersionConflict,
        "quota_exceeded" => OnlineError.QuotaExceeded,
        "rate_limited" => OnlineError.RateLimited,
        _ => OnlineError.Unavailable,
    };

    /// <summary>The HTTP status code the backend answers an error with.</summary>
    /// <param name="error">The error.</param>
    public static HttpStatusCode ToStatusCode(OnlineError error) => error switch
    {
        OnlineError.InvalidArgument => HttpStatusCode.BadRequest,
        OnlineError.Unauthorized => HttpStatusCode.Unauthorized,
        OnlineError.Forbidden => HttpStatusCode.Forbidden,
        OnlineError.NotFound => HttpStatusCode.NotFound,
        OnlineError.Conflict => HttpStatusCode.Conflict,
        OnlineError.VersionConflict => HttpStatusCode.PreconditionFailed,
        OnlineError.QuotaExceeded => HttpStatusCode.RequestEntityTooLarge,
        OnlineError.RateLimited => HttpStatusCode.TooManyRequests,
        _ => HttpStatusCode.ServiceUnavailable,
    };

    /// <summary>The error a bare HTTP status implies when the body carries no error code (for example a rate limiter's 429).</summary>
    /// <param name="status">The status code.</param>
    public static OnlineError FromStatusCode(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => OnlineError.InvalidArgument,
        HttpStatusCode.Unauthorized => OnlineError.Unauthorized,
        HttpStatusCode.Forbidden => OnlineError.Forbidden,
        HttpStatusCode.NotFound => OnlineError.NotFound,
        HttpStatusCode.Conflict => OnlineError.Conflict,
        HttpStatusCode.PreconditionFailed => OnlineError.VersionConflict,
        HttpStatusCode.RequestEntityTooLarge => OnlineError.QuotaExceeded,
        HttpStatusCode.TooManyRequests => OnlineError.RateLimited,
        _ => OnlineError.Unavailable,
    };
}
