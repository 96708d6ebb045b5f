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

    /// <summary>PBKDF2-SHA256 iterations for new password hashes; at least 600,000 outside Development.</summary>
    public int PasswordHashIterations { get; set; } = 600_000;

    /// <summary>Access-token lifetime in seconds.</summary>
    public int AccessTokenLifetimeSeconds { get; set; } = 900;

    /// <summary>Refresh-token lifetime in seconds.</summary>
    public int RefreshTokenLifetimeSeconds { get; set; } = 30 * 24 * 3600;

    /// <summary>The largest accepted request body in bytes (a cloud-save slot travels as base64, 4/3 of its size).</summary>
    public long MaxRequestBodyBytes { get; set; } = 512 * 1024;

    /// <summary>Requests per second one client address may make (server-key requests are not limited).</summary>
    public int RequestsPerSecondPerAddress { get; set; } = 50;

    /// <summary>Register/login/refresh requests per minute one client address may make.</summary>
    public int AuthRequestsPerMinutePerAddress { get; set; } = 30;

    /// <summary>Failed logins that lock an account.</summary>
    public int MaxFailedLoginsPerAccount { get; set; } = 5;

    /// <summary>Failed logins that lock an address.</summary>
    public int MaxFailedLoginsPerAddress { get; set; } = 20;

    /// <summary>How long a login lockout lasts, in seconds.</summary>
    public int LockoutSeconds { get; set; } = 900;

    /// <summary>The most cloud-save slots per player.</summary>
    public int MaxSlotsPerPlayer { get; set; } = 32;

    /// <summary>The most bytes per cloud-save slot.</summary>
    public int MaxBytesPerSlot { get; set; } = 256 * 1024;

    /// <summary>The most cloud-save bytes per player.</summary>
    public long MaxBytesPerPlayer { get; set; } = 2 * 1024 * 1024;

    /// <summary>When true a cloud-save write without a precondition (<c>If-Match</c>, <c>If-None-Match: *</c> or <c>expectedVersion</c>) is refused with 428, so no client can overwrite blindly.</summary>
    public bool RequireCloudSavePreconditions { get; set; }

    /// <summary>Transport connect tokens handed out at login; see <see cref="ConnectTokenOptions"/>.</summary>
    public ConnectTokenOptions ConnectTokens { get; set; } = new();

    /// <summary>Checks values that are wrong in any environment; returns one line per problem.</summary>
    public IEnumerable<string> Validate()
    {
        if (AccessTokenLifetimeSeconds < 1)
        {
            yield return "Online:AccessTokenLifetimeSeconds must be 1 or more.";
        }
        if (RefreshTokenLifetimeSeconds < 1)
        {
            yield return "Online:RefreshTokenLifetimeSeconds must be 1 or more.";
        }
        if (MaxRequestBodyBytes < 1024)
        {
            yield return "Online:MaxRequestBodyBytes must be 1024 or more.";
        }
        if (RequestsPerSecondPerAddress < 1 || AuthRequestsPerMinutePerAddress < 1)
        {
            yield return "Online:RequestsPerSecondPerAddress and Online:AuthRequestsPerMinutePerAddress must be 1 or more.";
        }
        if (MaxFailedLoginsPerAccount < 1 || MaxFailedLoginsPerAddress < 1 || LockoutSeconds < 1)
        {
            yield return "Online:MaxFailedLoginsPerAccount, Online:MaxFailedLoginsPerAddress and Online:LockoutSeconds must be 1 or more.";
        }
        if (MaxSlotsPerPlayer < 1 || MaxBytesPerSlot < 1 || MaxBytesPerPlayer < 1)
        {
            yield return "Online:MaxSlotsPerPlayer, Online:MaxBytesPerSlot and Online:MaxBytesPerPlayer must be 1 or more.";
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
