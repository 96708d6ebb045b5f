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

    /// <summary>
    /// How long an access token is accepted. Short, because only revocation of its session stops it earlier. Positive and at
    /// most 10 years, like <see cref="RefreshTokenLifetime"/> (checked when the service is made).
    /// </summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest <see cref="AccessTokenLifetime"/> and <see cref="RefreshTokenLifetime"/> (10 years).</summary>
    internal static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(3650);

    /// <summary>The longest <see cref="ConnectTokenLifetime"/> (1 hour, as the backend's <c>Online:ConnectTokens:LifetimeSeconds</c>).</summary>
    internal static readonly TimeSpan MaxConnectTokenLifetime = TimeSpan.FromHours(1);

    /// <summary>How long a refresh token is accepted.</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Sessions one account may hold (16 by default), logged out ones included until they are deleted. Signing in beyond it
    /// deletes the account's sessions that were logged out, then those refreshed longest ago, so signing in again and
    /// again cannot grow the store, and a new device can always sign in (the one unused longest has to sign in again).
    /// </summary>
    public int MaxSessionsPerAccount { get; init; } = 16;

    /// <summary>The default of <see cref="AccountsPerAddressPerDay"/>.</summary>
    public const int DefaultAccountsPerAddressPerDay = 20;

    /// <summary>
    /// Accounts one client address (an IPv6 /64) may register a day, counted in the store so the budget holds over every
    /// node sharing it (20 by default): a burst of this many, then one every 24 h divided by it, so at most twice this in
    /// any 24 hours. Taken after the name and password were checked and before the password is hashed, and given back when no
    /// account comes of it (another request registered the name meanwhile, or no hashing slot was free); a registration past
    /// it is refused with <see cref="OnlineError.RateLimited"/> (problem type <see cref="OnlineProblemTypes.RegistrationLimited"/>)
    /// and a <see cref="OnlineException.RetryAfter"/>. One row per address that registered within the last day, deleted by
    /// <see cref="OnlineMaintenance"/> once its budget is whole again. Only registrations that name a client address count
    /// (the backend passes the caller's; in-process calls and game servers with a server key pass none).
    /// </summary>
    public int AccountsPerAddressPerDay { get; init; } = DefaultAccountsPerAddressPerDay;

    /// <summary>How long a connect token for a game server is accepted; positive and at most 1 hour.</summary>
    public TimeSpan ConnectTokenLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The Argon2id cost of new password hashes; at least <see cref="Argon2Settings.Production"/> unless <see cref="AllowWeakPasswordHashingForTests"/>.</summary>
    public Argon2Settings PasswordHashing { get; init; } = Argon2Settings.Production;

    /// <summary>Only for tests that are not about hashing: allow cheaper hashing than the production minimum to keep suites fast.</summary>
    public bool AllowWeakPasswordHashingForTests { get; init; }

    /// <summary>Password hashes that may run at once on this node; null for half the processors (see <see cref="PasswordHashingGate"/>).</summary>
    public int? MaxConcurrentPasswordHashes { get; init; }

    /// <summary>Password hashes that may wait for a slot; null for four per slot. Beyond that a login or registration is refused as busy.</summary>
    public int? MaxQueuedPasswordHashes { get; init; }

    /// <summary>How failed logins delay further attempts.</summary>
    public LoginThrottlePolicy LoginThrottle { get; init; } = new();

    /// <summary>Throws for a token lifetime that would lock everyone out; checked when the service is made.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A lifetime is zero, negative or too long.</exception>
    internal void CheckLifetimes()
    {
        // Unchecked, a zero or negative lifetime issued tokens already expired (nobody stayed signed in), a connect token
        // lifetime of zero made every login throw after the password was checked, and TimeSpan.MaxValue overflowed the
        // expiry at every login: each locked every player out at run time instead of failing here.
        Lifetime(AccessTokenLifetime, MaxTokenLifetime, nameof(AccessTokenLifetime));
        Lifetime(RefreshTokenLifetime, MaxTokenLifetime, nameof(RefreshTokenLifetime));
        Lifetime(ConnectTokenLifetime, MaxConnectTokenLifetime, nameof(ConnectTokenLifetime));
    }

    private static void Lifetime(TimeSpan value, TimeSpan max, string name)
    {
        if (value <= TimeSpan.Zero || value > max)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most {max}.");
    }
}
