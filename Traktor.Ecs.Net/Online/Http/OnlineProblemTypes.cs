using System.Net;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// The <c>type</c> URIs of the backend's RFC 9457 problem details. They are stable identifiers (URNs), not
/// links: clients compare them as strings, and docs/ONLINE-API.md describes each one. A type is more specific
/// than the <see cref="OnlineError"/> code that travels beside it (the <c>code</c> extension member), so a
/// client that only knows the codes still maps every answer to a typed error.
/// </summary>
public static class OnlineProblemTypes
{
    private const string Prefix = "urn:traktor-ecs-net:problem:";

    /// <summary>400: a value is out of bounds or malformed.</summary>
    public const string InvalidArgument = Prefix + "invalid-argument";

    /// <summary>400: the body is not JSON of the expected shape.</summary>
    public const string MalformedBody = Prefix + "malformed-body";

    /// <summary>415: the request has a body that is not <c>application/json</c> (or no Content-Type).</summary>
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";

    /// <summary>405: the route exists but not with this method; the <c>Allow</c> header lists the methods it has.</summary>
    public const string MethodNotAllowed = Prefix + "method-not-allowed";

    /// <summary>404: no route has this path.</summary>
    public const string NoSuchRoute = Prefix + "no-such-route";

    /// <summary>404: the leaderboard, achievement or user named in the request does not exist.</summary>
    public const string NotFound = Prefix + "not-found";

    /// <summary>404: the container exists but the item asked for does not (a save slot, a player's record); clients read it as null.</summary>
    public const string Absent = Prefix + "absent";

    /// <summary>401: credentials are missing, wrong, forged, expired or revoked.</summary>
    public const string Unauthorized = Prefix + "unauthorized";

    /// <summary>403: the caller is known but may not do this.</summary>
    public const string Forbidden = Prefix + "forbidden";

    /// <summary>409: the thing already exists (a taken username) or may no longer change (a board that holds scores).</summary>
    public const string Conflict = Prefix + "conflict";

    /// <summary>
    /// 409: a <c>claim-host</c> named the host it takes over from (<c>expectedHostUserId</c>), and the session has another
    /// host now (a successor took it over meanwhile): the claimant follows the host the session names instead.
    /// </summary>
    public const string HostChanged = Prefix + "host-changed";

    /// <summary>422: an idempotency key was used again with a different request body.</summary>
    public const string IdempotencyKeyReused = Prefix + "idempotency-key-reused";

    /// <summary>412: a cloud-save precondition (<c>If-Match</c>, <c>If-None-Match</c> or <c>expectedVersion</c>) failed.</summary>
    public const string VersionConflict = Prefix + "version-conflict";

    /// <summary>428: the backend is configured to require a precondition on cloud-save writes and none was sent.</summary>
    public const string PreconditionRequired = Prefix + "precondition-required";

    /// <summary>413: a per-player cloud-save quota would be exceeded.</summary>
    public const string QuotaExceeded = Prefix + "quota-exceeded";

    /// <summary>413: the request body is larger than the backend accepts.</summary>
    public const string BodyTooLarge = Prefix + "body-too-large";

    /// <summary>429: too many requests from this address; <c>Retry-After</c> says when to try again.</summary>
    public const string RateLimited = Prefix + "rate-limited";

    /// <summary>429: too many failed logins for this account or from this address; <c>Retry-After</c> says when to try again.</summary>
    public const string LoginThrottled = Prefix + "login-throttled";

    /// <summary>
    /// 429: this address (an IPv6 /64) has registered its budget of accounts for the day; <c>Retry-After</c> says when the
    /// next registration from it is accepted. Logging in to existing accounts is not affected.
    /// </summary>
    public const string RegistrationLimited = Prefix + "registration-limited";

    /// <summary>503: every password-hashing slot of this node is busy; <c>Retry-After</c> says when to try again.</summary>
    public const string Busy = Prefix + "busy";

    /// <summary>503: a dependency (the database) is unavailable.</summary>
    public const string Unavailable = Prefix + "unavailable";

    /// <summary>500: a fault in the backend itself (a bug; bad input never causes it).</summary>
    public const string InternalError = Prefix + "internal-error";

    /// <summary>The problem type an error has when nothing more specific was given.</summary>
    /// <param name="error">The error.</param>
    public static string Default(OnlineError error) => error switch
    {
        OnlineError.InvalidArgument => InvalidArgument,
        OnlineError.Unauthorized => Unauthorized,
        OnlineError.Forbidden => Forbidden,
        OnlineError.NotFound => NotFound,
        OnlineError.Conflict => Conflict,
        OnlineError.VersionConflict => VersionConflict,
        OnlineError.QuotaExceeded => QuotaExceeded,
        OnlineError.RateLimited => RateLimited,
        _ => Unavailable,
    };

    /// <summary>The HTTP status a problem type is answered with; unknown types fall back to their error's status.</summary>
    /// <param name="type">The type URI.</param>
    /// <param name="error">The error the type belongs to.</param>
    public static HttpStatusCode Status(string type, OnlineError error) => type switch
    {
        InvalidArgument or MalformedBody => HttpStatusCode.BadRequest,
        UnsupportedMediaType => HttpStatusCode.UnsupportedMediaType,
        MethodNotAllowed => HttpStatusCode.MethodNotAllowed,
        NoSuchRoute or NotFound or Absent => HttpStatusCode.NotFound,
        Unauthorized => HttpStatusCode.Unauthorized,
        Forbidden => HttpStatusCode.Forbidden,
        Conflict or HostChanged => HttpStatusCode.Conflict,
        IdempotencyKeyReused => HttpStatusCode.UnprocessableContent,
        VersionConflict => HttpStatusCode.PreconditionFailed,
        PreconditionRequired => HttpStatusCode.PreconditionRequired,
        QuotaExceeded or BodyTooLarge => HttpStatusCode.RequestEntityTooLarge,
        RateLimited or LoginThrottled or RegistrationLimited => HttpStatusCode.TooManyRequests,
        Busy or Unavailable => HttpStatusCode.ServiceUnavailable,
        InternalError => HttpStatusCode.InternalServerError,
        _ => OnlineErrorCodes.ToStatusCode(error),
    };

    /// <summary>A short, fixed summary of a problem type (the RFC 9457 <c>title</c>, the same for every occurrence).</summary>
    /// <param name="type">The type URI.</param>
    public static string Title(string type) => type switch
    {
        InvalidArgument => "Invalid argument",
        MalformedBody => "Malformed request body",
        UnsupportedMediaType => "Unsupported media type",
        MethodNotAllowed => "Method not allowed",
        NoSuchRoute => "No such route",
        NotFound => "Not found",
        Absent => "Absent",
        Unauthorized => "Unauthorized",
        Forbidden => "Forbidden",
        Conflict => "Conflict",
        HostChanged => "The session has another host",
        IdempotencyKeyReused => "Idempotency key reused with a different request",
        VersionConflict => "Precondition failed",
        PreconditionRequired => "Precondition required",
        QuotaExceeded => "Quota exceeded",
        BodyTooLarge => "Request body too large",
        RateLimited => "Too many requests",
        LoginThrottled => "Too many failed logins",
        RegistrationLimited => "Too many accounts registered from this address",
        Busy => "Busy",
        Unavailable => "Service unavailable",
        InternalError => "Internal error",
        _ => "Error",
    };
}
