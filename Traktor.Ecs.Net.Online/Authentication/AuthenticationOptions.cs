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
    /// most <see cref="AccessTokenLifetimeLimit"/> (checked when the service is made).
    /// </summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest <see cref="AccessTokenLifetime"/>: 10 years (<see cref="TimeSpan.MaxValue"/> overflowed the expiry at every login).</summary>
    public static readonly TimeSpan AccessTokenLifetimeLimit = TimeSpan.FromDays(3650);

    /// <summary>How long a refresh token is accepted (default 30 days); positive and at most <see cref="RefreshTokenLifetimeLimit"/>.</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The longest <see cref="RefreshTokenLifetime"/>: 10 years, as <see cref="AccessTokenLifetimeLimit"/>.</summary>
    public static readonly TimeSpan RefreshTokenLifetimeLimit = TimeSpan.FromDays(3650);

    /// <summary>
    /// Sessions one account may hold (16 by default), logged out ones included until they are deleted. Signing in beyond it
    /// deletes the account's sessions that were logged out, then those refreshed longest ago, so signing in again and
    /// again cannot grow the store, and a new device can always sign in (the one unused longest has to sign in again).
    /// 1 to <see cref="MaxSessionsPerAccountLimit"/>.
    /// </summary>
    public int MaxSessionsPerAccount { get; init; } = 16;

    /// <summary>The largest <see cref="MaxSessionsPerAccount"/>: 1,000 (each sign-in beyond it deletes the account's oldest in one statement).</summary>
    public const int MaxSessionsPerAccountLimit = 1_000;

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
    /// (the backend passes the caller's; in-process calls and game servers with a server key pass none). 1 to
    /// <see cref="AccountsPerAddressPerDayLimit"/>.
    /// </summary>
    public int AccountsPerAddressPerDay { get; init; } = DefaultAccountsPerAddressPerDay;

    /// <summary>The largest <see cref="AccountsPerAddressPerDay"/>: 100,000 (past it the budget no longer bounds what one address can make the store hold).</summary>
    public const int AccountsPerAddressPerDayLimit = 100_000;

    /// <summary>How long a connect token for a game server is accepted; positive and at most <see cref="ConnectTokenLifetimeLimit"/>.</summary>
    public TimeSpan ConnectTokenLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest <see cref="ConnectTokenLifetime"/>: an hour, as the backend's <c>Online:ConnectTokens:LifetimeSeconds</c>.</summary>
    public static readonly TimeSpan ConnectTokenLifetimeLimit = TimeSpan.FromHours(1);

    /// <summary>The Argon2id cost of new password hashes; at least <see cref="Argon2Settings.Production"/> unless <see cref="AllowWeakPasswordHashingForTests"/>.</summary>
    public Argon2Settings PasswordHashing { get; init; } = Argon2Settings.Production;

    /// <summary>Only for tests that are not about hashing: allow cheaper hashing than the production minimum to keep suites fast.</summary>
    public bool AllowWeakPasswordHashingForTests { get; init; }

    /// <summary>
    /// Password hashes that may run at once on this node; null for half the processors (see <see cref="PasswordHashingGate"/>).
    /// 1 to <see cref="MaxConcurrentPasswordHashesLimit"/>.
    /// </summary>
    public int? MaxConcurrentPasswordHashes { get; init; }

    /// <summary>The largest <see cref="MaxConcurrentPasswordHashes"/>: 1,024 (each running hash holds its Argon2 memory, 19 MiB at the production cost).</summary>
    public const int MaxConcurrentPasswordHashesLimit = 1024;

    /// <summary>
    /// Password hashes that may wait for a slot; null for four per slot. Beyond that a login or registration is refused as
    /// busy. 0 to <see cref="MaxQueuedPasswordHashesLimit"/>.
    /// </summary>
    public int? MaxQueuedPasswordHashes { get; init; }

    /// <summary>The largest <see cref="MaxQueuedPasswordHashes"/>: 65,536 (each waiting request holds its connection and body).</summary>
    public const int MaxQueuedPasswordHashesLimit = 65_536;

    /// <summary>How failed logins delay further attempts.</summary>
    public LoginThrottlePolicy LoginThrottle { get; init; } = new();

    /// <summary>Throws for a lifetime, count or queue outside its range; checked when the service is made.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range (the parameter name is the option).</exception>
    internal void Validate()
    {
        // Unchecked, a zero or negative lifetime issued tokens already expired (nobody stayed signed in), a connect token
        // lifetime of zero made every login throw after the password was checked, and TimeSpan.MaxValue overflowed the
        // expiry at every login: each locked every player out at run time instead of failing here.
        Lifetime(AccessTokenLifetime, AccessTokenLifetimeLimit, nameof(AccessTokenLifetime));
        Lifetime(RefreshTokenLifetime, RefreshTokenLifetimeLimit, nameof(RefreshTokenLifetime));
        Lifetime(ConnectTokenLifetime, ConnectTokenLifetimeLimit, nameof(ConnectTokenLifetime));
        Count(MaxSessionsPerAccount, 1, MaxSessionsPerAccountLimit, nameof(MaxSessionsPerAccount));
        Count(AccountsPerAddressPerDay, 1, AccountsPerAddressPerDayLimit, nameof(AccountsPerAddressPerDay));
        // int.MaxValue hashes at once let a burst of logins take every core and Argon2's memory for each: the gate that
        // keeps hashing from starving the node bounded nothing.
        if (MaxConcurrentPasswordHashes is { } concurrent)
            Count(concurrent, 1, MaxConcurrentPasswordHashesLimit, nameof(MaxConcurrentPasswordHashes));
        if (MaxQueuedPasswordHashes is { } queued)
            Count(queued, 0, MaxQueuedPasswordHashesLimit, nameof(MaxQueuedPasswordHashes));
    }

    private static void Lifetime(TimeSpan value, TimeSpan limit, string name)
    {
        if (value <= TimeSpan.Zero || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most {limit} ({name}Limit).");
    }

    private static void Count(int value, int least, int limit, string name)
    {
        if (value < least || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {least} to {limit} ({name}Limit).");
    }
}
