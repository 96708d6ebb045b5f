using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Backend.Configuration;

/// <summary>
/// The backend's settings, bound from the <c>Online</c> configuration section: appsettings.json next to the
/// executable, environment variables (<c>Online__…</c>) or arguments (<c>--Online:…</c>). An unknown setting or a
/// value of the wrong kind stops the backend at startup, so a typo never silently falls back to a default.
/// </summary>
public sealed class BackendOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Online";

    /// <summary>The store: <c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Database { get; set; } = "sqlite";

    /// <summary>For SQLite the database file path (relative paths are relative to the working directory; the folder must exist); for PostgreSQL an Npgsql connection string.</summary>
    public string ConnectionString { get; set; } = "traktor-online.db";

    /// <summary>For SQLite: <c>Full</c> (default; every commit survives power loss) or <c>Normal</c> (commits survive a killed process; faster).</summary>
    public SqliteDurability SqliteDurability { get; set; } = SqliteDurability.Full;

    /// <summary>Base64 of at least 32 random bytes that sign new access tokens. Required outside Development.</summary>
    public string TokenSigningKey { get; set; } = "";

    /// <summary>Earlier signing keys (base64), still accepted for checking tokens, so a key rotation logs nobody out; at most 3.</summary>
    public List<string> PreviousTokenSigningKeys { get; set; } = [];

    /// <summary>Keys game servers send in the <c>X-Server-Key</c> header for trusted writes; each at least 24 characters of random text. Required outside Development.</summary>
    public List<string> ServerKeys { get; set; } = [];

    /// <summary>Argon2id memory per password hash, in KiB; at least 19,456 (19 MiB) outside Development.</summary>
    public int PasswordHashMemoryKiB { get; set; } = 19 * 1024;

    /// <summary>Argon2id passes per password hash; at least 2 outside Development.</summary>
    public int PasswordHashPasses { get; set; } = 2;

    /// <summary>Password hashes that may run at once on this node; unset for half the processors.</summary>
    public int? MaxConcurrentPasswordHashes { get; set; }

    /// <summary>Password hashes that may wait for a slot on this node; unset for four per slot. Beyond that logins and registrations are answered 503 with Retry-After.</summary>
    public int? MaxQueuedPasswordHashes { get; set; }

    /// <summary>Access-token lifetime in seconds.</summary>
    public int AccessTokenLifetimeSeconds { get; set; } = 900;

    /// <summary>Refresh-token lifetime in seconds.</summary>
    public int RefreshTokenLifetimeSeconds { get; set; } = 30 * 24 * 3600;

    /// <summary>Sessions one account may hold; signing in beyond it deletes the logged-out ones, then those refreshed longest ago.</summary>
    public int MaxSessionsPerAccount { get; set; } = 16;

    /// <summary>The largest accepted request body in bytes (a cloud-save slot travels as base64, 4/3 of its size).</summary>
    public long MaxRequestBodyBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// Requests per second one client address may make over all nodes (server-key requests are not limited). Each node
    /// enforces its share, this divided by <see cref="NodeCount"/>, so a load balancer that spreads a client's
    /// requests evenly gives it this budget in total.
    /// </summary>
    public int RequestsPerSecondPerAddress { get; set; } = 50;

    /// <summary>
    /// Requests one client address may have in progress at once on this node (server-key requests are not limited);
    /// beyond it 429. Without it an address could start 50 slow uploads a second, each kept open for half an hour at
    /// Kestrel's minimum data rate (240 B/s for a 512 KiB body), and the node's memory would grow with every one.
    /// </summary>
    public int ConcurrentRequestsPerAddress { get; set; } = 16;

    /// <summary>
    /// TCP connections one client address (an IPv6 /64) may hold open on this node, counted when Kestrel accepts them,
    /// before a byte is read; more are closed at once. Without it an address holds as many half-sent requests as it can
    /// open within the 30 s header timeout (9,000 measured, about 8 KB each). Connections from
    /// <c>Online:ForwardedHeaders</c>' proxies are not counted. Game servers, which present a server key only inside
    /// their requests, are counted like anyone: keep their HTTP connection pools below this.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 256;

    /// <summary>Register/login/refresh requests per minute one client address may make; counted in the shared database, so it holds over all nodes together.</summary>
    public int AuthRequestsPerMinutePerAddress { get; set; } = 30;

    /// <summary>
    /// Accounts one client address (an IPv6 /64) may register a day over all nodes (counted in the shared database): a burst
    /// of this many, then one every 24 h divided by it. Past it registration is answered 429 <c>registration-limited</c>
    /// with Retry-After; logins are not affected. Game servers with a server key are not counted.
    /// </summary>
    public int AccountsPerAddressPerDay { get; set; } = Online.Authentication.AuthenticationOptions.DefaultAccountsPerAddressPerDay;

    /// <summary>How many backend nodes share the load (for dividing <see cref="RequestsPerSecondPerAddress"/>).</summary>
    public int NodeCount { get; set; } = 1;

    /// <summary>Failed logins of one account from one address before each further one doubles the wait.</summary>
    public int LoginFreeFailuresPerAccountAndAddress { get; set; } = 5;

    /// <summary>Failed logins from one address (over all accounts) before each further one doubles the wait there.</summary>
    public int LoginFreeFailuresPerAddress { get; set; } = 20;

    /// <summary>Failed logins of one account from addresses it has not logged in from before each further one doubles the wait.</summary>
    public int LoginFreeFailuresPerAccount { get; set; } = 10;

    /// <summary>The longest wait failed logins can cause, in seconds.</summary>
    public int LoginMaxDelaySeconds { get; set; } = 900;

    /// <summary>Which proxies' <c>X-Forwarded-For</c> to believe; see <see cref="TrustedProxyOptions"/>.</summary>
    public TrustedProxyOptions ForwardedHeaders { get; set; } = new();

    /// <summary>The most cloud-save slots per player.</summary>
    public int MaxSlotsPerPlayer { get; set; } = 32;

    /// <summary>The most bytes per cloud-save slot.</summary>
    public int MaxBytesPerSlot { get; set; } = 256 * 1024;

    /// <summary>The most cloud-save bytes per player.</summary>
    public long MaxBytesPerPlayer { get; set; } = 2 * 1024 * 1024;

    /// <summary>How many idempotency keys one player keeps per leaderboard and per achievement; a new key beyond it forgets the player's oldest there.</summary>
    public int MaxIdempotencyKeysPerPlayer { get; set; } = OnlineServicesOptions.DefaultMaxIdempotencyKeysPerPlayer;

    /// <summary>
    /// Past periods of a resetting leaderboard kept besides the current one (12); older periods' records are deleted by the
    /// hourly maintenance, in batches, and reading one answers an empty page.
    /// </summary>
    public int LeaderboardPastPeriodsKept { get; set; } = OnlineMaintenance.DefaultLeaderboardPastPeriodsKept;

    /// <summary>When true a cloud-save write without a precondition (<c>If-Match</c>, <c>If-None-Match: *</c> or <c>expectedVersion</c>) is refused with 428, so no client can overwrite blindly.</summary>
    public bool RequireCloudSavePreconditions { get; set; }

    /// <summary>Transport connect tokens handed out at login; see <see cref="ConnectTokenOptions"/>.</summary>
    public ConnectTokenOptions ConnectTokens { get; set; } = new();

    /// <summary>The session directory and game-server fleet (<c>Online:Sessions</c>); off until a game-server key is set.</summary>
    public Sessions.SessionSettings Sessions { get; set; } = new();

    /// <summary>The longest <see cref="AccessTokenLifetimeSeconds"/> accepted: ten years, the authentication service's bound.</summary>
    public const int AccessTokenLifetimeSecondsLimit = 3650 * 24 * 3600;

    /// <summary>The longest <see cref="RefreshTokenLifetimeSeconds"/> accepted: ten years, as <see cref="AccessTokenLifetimeSecondsLimit"/>.</summary>
    public const int RefreshTokenLifetimeSecondsLimit = 3650 * 24 * 3600;

    /// <summary>Checks values that are wrong in any environment; returns one line per problem.</summary>
    public IEnumerable<string> Validate()
    {
        // The authentication service refuses lifetimes over ten years (AuthenticationOptions); it is built at the first
        // request, so a node checked only ">= 1" here started, said it was ready, and failed every /v1/auth call.
        if (AccessTokenLifetimeSeconds < 1 || AccessTokenLifetimeSeconds > AccessTokenLifetimeSecondsLimit)
        {
            yield return $"Online:AccessTokenLifetimeSeconds must be from 1 to {AccessTokenLifetimeSecondsLimit} (ten years).";
        }
        if (RefreshTokenLifetimeSeconds < 1 || RefreshTokenLifetimeSeconds > RefreshTokenLifetimeSecondsLimit)
        {
            yield return $"Online:RefreshTokenLifetimeSeconds must be from 1 to {RefreshTokenLifetimeSecondsLimit} (ten years).";
        }
        // The authentication service is made at the first request and refuses these past their limits: checked here so a
        // node does not start, say it is ready, and fail every /v1/auth call.
        if (MaxSessionsPerAccount is < 1 or > Online.Authentication.AuthenticationOptions.MaxSessionsPerAccountLimit)
        {
            yield return $"Online:MaxSessionsPerAccount must be 1 to {Online.Authentication.AuthenticationOptions.MaxSessionsPerAccountLimit}.";
        }
        if (MaxRequestBodyBytes < 1024)
        {
            yield return "Online:MaxRequestBodyBytes must be 1024 or more.";
        }
        if (ConcurrentRequestsPerAddress < 1)
        {
            yield return "Online:ConcurrentRequestsPerAddress must be 1 or more.";
        }
        if (MaxConnectionsPerAddress < 1)
        {
            yield return "Online:MaxConnectionsPerAddress must be 1 or more.";
        }
        if (RequestsPerSecondPerAddress < 1 || AuthRequestsPerMinutePerAddress < 1)
        {
            yield return "Online:RequestsPerSecondPerAddress and Online:AuthRequestsPerMinutePerAddress must be 1 or more.";
        }
        if (LoginFreeFailuresPerAccountAndAddress < 1 || LoginFreeFailuresPerAddress < 1 || LoginFreeFailuresPerAccount < 1 || LoginMaxDelaySeconds is < 1 or > 86_399)
        {
            yield return "Online:LoginFreeFailures… must be 1 or more and Online:LoginMaxDelaySeconds 1 to 86399.";
        }
        if (AccountsPerAddressPerDay is < 1 or > Online.Authentication.AuthenticationOptions.AccountsPerAddressPerDayLimit)
        {
            yield return $"Online:AccountsPerAddressPerDay must be 1 to {Online.Authentication.AuthenticationOptions.AccountsPerAddressPerDayLimit}.";
        }
        if (NodeCount is < 1 or > 1000 || NodeCount > RequestsPerSecondPerAddress)
        {
            yield return "Online:NodeCount must be 1 to 1000 and at most Online:RequestsPerSecondPerAddress.";
        }
        if (MaxConcurrentPasswordHashes is < 1 or > Online.Authentication.AuthenticationOptions.MaxConcurrentPasswordHashesLimit)
        {
            yield return $"Online:MaxConcurrentPasswordHashes must be 1 to {Online.Authentication.AuthenticationOptions.MaxConcurrentPasswordHashesLimit}.";
        }
        if (MaxQueuedPasswordHashes is < 0 or > Online.Authentication.AuthenticationOptions.MaxQueuedPasswordHashesLimit)
        {
            yield return $"Online:MaxQueuedPasswordHashes must be 0 to {Online.Authentication.AuthenticationOptions.MaxQueuedPasswordHashesLimit}.";
        }
        if (PasswordHashMemoryKiB is < 8 or > 1 << 20 || PasswordHashPasses is < 1 or > 16)
        {
            yield return "Online:PasswordHashMemoryKiB must be 8 to 1048576 and Online:PasswordHashPasses 1 to 16.";
        }
        if (MaxSlotsPerPlayer is < 1 or > Online.CloudSave.CloudSaveOptions.MaxSlotsPerPlayerLimit)
        {
            yield return $"Online:MaxSlotsPerPlayer must be 1 to {Online.CloudSave.CloudSaveOptions.MaxSlotsPerPlayerLimit}.";
        }
        if (MaxBytesPerSlot is < 1 or > Online.CloudSave.CloudSaveOptions.MaxBytesPerSlotLimit)
        {
            yield return $"Online:MaxBytesPerSlot must be 1 to {Online.CloudSave.CloudSaveOptions.MaxBytesPerSlotLimit}.";
        }
        if (MaxBytesPerPlayer is < 1 or > Online.CloudSave.CloudSaveOptions.MaxBytesPerPlayerLimit)
        {
            yield return $"Online:MaxBytesPerPlayer must be 1 to {Online.CloudSave.CloudSaveOptions.MaxBytesPerPlayerLimit}.";
        }
        if (MaxIdempotencyKeysPerPlayer < 1)
        {
            yield return "Online:MaxIdempotencyKeysPerPlayer must be 1 or more.";
        }
        if (LeaderboardPastPeriodsKept < 0)
        {
            yield return "Online:LeaderboardPastPeriodsKept must be 0 or more.";
        }
        if (PreviousTokenSigningKeys.Count > 3)
        {
            yield return "Online:PreviousTokenSigningKeys holds at most 3 keys.";
        }
        if (ConnectTokens.LifetimeSeconds is < 1 or > 3600)
        {
            yield return "Online:ConnectTokens:LifetimeSeconds must be 1 to 3600.";
        }
    }
}
