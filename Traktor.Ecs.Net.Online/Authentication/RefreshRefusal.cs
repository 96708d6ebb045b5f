namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// Why a refresh token was refused, as fixed words for metrics (the backend's <c>traktor.backend.auth_failures</c>
/// reason). The caller is told less: which check failed would help someone guessing tokens.
/// </summary>
internal static class RefreshRefusal
{
    /// <summary>Empty, too long, of neither token shape (refused before the store is touched), forged, or signed by a key retired since.</summary>
    public const string Invalid = "invalid";

    /// <summary>Well formed, but naming no session (or, of the legacy shape, no token) the store holds.</summary>
    public const string Unknown = "unknown";

    /// <summary>Its session (or legacy token) is past its refresh lifetime.</summary>
    public const string Expired = "expired";

    /// <summary>Its session was logged out or revoked.</summary>
    public const string Revoked = "revoked";

    /// <summary>A genuine token spent before: someone holds a copy, and the session has just been revoked.</summary>
    public const string Reused = "reused";

    /// <summary>The refusal of a signed token whose session is missing, revoked or expired (revoked wins over expired).</summary>
    public static string Of(long? revokedAt, long? expiresAt, long nowMs) =>
        expiresAt is null ? Unknown : revokedAt is not null ? Revoked : expiresAt <= nowMs ? Expired : Invalid;
}
