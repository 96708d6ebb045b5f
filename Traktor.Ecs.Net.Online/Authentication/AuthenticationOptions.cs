using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>Settings of <see cref="AuthenticationService"/>.</summary>
public sealed class AuthenticationOptions
{
    /// <summary>The HMAC-SHA256 key that signs access tokens; at least 32 random bytes, kept secret, shared by every backend instance.</summary>
    public required byte[] TokenSigningKey { get; init; }

    /// <summary>
    /// Earlier signing keys (at most 3, each at least 32 bytes) that still verify access tokens, so rotating
    /// <see cref="TokenSigningKey"/> logs nobody out: tokens they signed stay valid until they expire.
    /// </summary>
    public IReadOnlyList<byte[]> PreviousTokenSigningKeys { get; init; } = [];

    /// <summary>How long an access token is accepted. Short, because only revocation of its session stops it earlier.</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token is accepted.</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a connect token for a game server is accepted.</summary>
    public TimeSpan ConnectTokenLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>PBKDF2-SHA256 iterations for new password hashes; at least <see cref="PasswordHasher.ProductionMinimumIterations"/>.</summary>
    public int PasswordHashIterations { get; init; } = PasswordHasher.ProductionMinimumIterations;

    /// <summary>Only for tests that are not about hashing: allow fewer iterations than the production minimum to keep suites fast.</summary>
    public bool AllowWeakPasswordHashingForTests { get; init; }

    /// <summary>When failed logins lock an account or an address out.</summary>
    public LoginLockoutPolicy Lockout { get; init; } = new();
}
