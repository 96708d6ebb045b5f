using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.RateLimiting;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// <see cref="IAuthentication"/> on an <see cref="OnlineDatabase"/>: Argon2id passwords hashed through a bounded
/// <see cref="PasswordHashingGate"/>, HMAC-signed access tokens bound to a revocable session of their own user,
/// single-use rotating refresh tokens (reuse revokes the session), normalized case-insensitive usernames, and
/// doubling login waits per account and address, per address and per account (<see cref="LoginThrottlePolicy"/>).
/// </summary>
public sealed partial class AuthenticationService : IAuthentication
{
    private const int SessionIdBytes = 16;

    private readonly OnlineDatabase _database;
    private readonly AuthenticationOptions _options;
    private readonly TimeProvider _time;
    private readonly IConnectTokenIssuer? _connectTokens;
    private readonly ILogger _logger;
    private readonly PasswordHasher _hasher;
    private readonly AccessTokenCodec? _tokens;
    private readonly RefreshTokenCodec? _refreshTokens;
    private readonly LoginThrottle _throttle;
    private readonly PasswordHashingGate _hashing;
    private readonly SharedRateLimiter _registrations;

    /// <summary>Creates the service.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="options">Keys, lifetimes, hashing cost and lockout policy.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="connectTokens">Issues connect tokens for game servers, or null to hand out none.</param>
    /// <param name="logger">Where security events are logged.</param>
    public AuthenticationService(OnlineDatabase database, AuthenticationOptions options, TimeProvider? time = null,
        IConnectTokenIssuer? connectTokens = null, ILogger<AuthenticationService>? logger = null)
        : this(database, options, signsTokens: true, time, connectTokens, logger)
    {
    }

    private AuthenticationService(OnlineDatabase database, AuthenticationOptions options, bool signsTokens, TimeProvider? time,
        IConnectTokenIssuer? connectTokens, ILogger<AuthenticationService>? logger)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _connectTokens = connectTokens;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _hasher = new PasswordHasher(options.PasswordHashing, options.AllowWeakPasswordHashingForTests);
        _tokens = signsTokens ? new AccessTokenCodec(options.TokenSigningKey, options.PreviousTokenSigningKeys) : null;
        _refreshTokens = signsTokens ? new RefreshTokenCodec(options.TokenSigningKey, options.PreviousTokenSigningKeys) : null;
        options.LoginThrottle.Check();
        options.Validate();
        _throttle = new LoginThrottle(database, options.LoginThrottle);
        _registrations = new SharedRateLimiter(database, time);
        _hashing = new PasswordHashingGate(options.MaxConcurrentPasswordHashes, options.MaxQueuedPasswordHashes);
    }

    /// <summary>
    /// Accounts without tokens, for a process that issues and checks none (<see cref="OnlineServicesOptions.Authentication"/>
    /// left null): registration and revocation work; login, refresh, token checks and logout throw
    /// <see cref="TokenSigningKeyMissingException"/> before doing anything.
    /// </summary>
    internal static AuthenticationService WithoutSigningKey(OnlineDatabase database, TimeProvider? time, ILogger<AuthenticationService>? logger) =>
        new(database, new AuthenticationOptions { TokenSigningKey = [] }, signsTokens: false, time, connectTokens: null, logger);

    /// <summary>False when the service was opened without a token signing key: it then issues and checks no access tokens.</summary>
    public bool HasSigningKey => _tokens is not null;

    /// <summary>The gate every password hash of this service passes (registration, login, and the stand-in hash for unknown users).</summary>
    public PasswordHashingGate Hashing => _hashing;

    /// <inheritdoc/>
    /// <remarks>The name is stored in Unicode form KC and must follow <see cref="Usernames"/>; it is unique ignoring case.</remarks>
    public Task<UserAccount> RegisterAsync(string username, string password, CancellationToken cancellationToken = default) =>
        RegisterAsync(username, password, clientAddress: null, cancellationToken);

    /// <summary>
    /// Creates an account, counted against its client address's <see cref="AuthenticationOptions.AccountsPerAddressPerDay"/>
    /// (taken after the name and password were checked and the name found free, before the password is hashed; given back
    /// when no account comes of it: another request registered the name meanwhile, or no hashing slot was free).
    /// </summary>
    /// <param name="username">The username, stored in Unicode form KC; it must follow <see cref="Usernames"/> and is unique ignoring case.</param>
    /// <param name="password">The password.</param>
    /// <param name="clientAddress">The client's address group (the backend passes the remote IP, or its IPv6 /64), or null for no registration budget (in-process, or a trusted game server).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new account.</returns>
    /// <exception cref="OnlineException">
    /// <see cref="OnlineError.InvalidArgument"/> for a name or password outside the rules; <see cref="OnlineError.Conflict"/> for a
    /// taken name; <see cref="OnlineError.RateLimited"/> (<see cref="OnlineProblemTypes.RegistrationLimited"/>) when the address
    /// has registered its accounts for the day; <see cref="OnlineError.Unavailable"/> when every hashing slot is busy.
    /// </exception>
    public async Task<UserAccount> RegisterAsync(string username, string password, string? clientAddress, CancellationToken cancellationToken = default)
    {
        string name = Usernames.Normalize(username);
        string loginKey = Usernames.LoginKey(name);
        OnlineLimits.CheckPassword(password);
        // A taken name is answered before the hash: registration says so anyway (409), and a client that registers before
        // its first login (Multiplayer's RegisterIfMissing) must not cost a hashing slot, or meet "busy", on every login.
        bool taken = await _database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            "SELECT 1 FROM users WHERE login_key = @k", reader => (bool?)true, cancellationToken, ("@k", loginKey)), cancellationToken).ConfigureAwait(false) is true;
        if (taken)
        {
            throw NameTaken();
        }
        string? budgetKey = clientAddress is null ? null : "register:" + clientAddress;
        RatePermit permit = default;
        if (budgetKey is not null)
        {
            // Counted in the store before the hash, so a flood of new names from one address costs no rows beyond the
            // budget, on any node. Given back below when no account came of it, whoever caused that (a cancelled request, a
            // race for one name among the caller's own requests): an address still gets no more accounts than permits, and
            // the extra hashes such races cost stay under the shared authentication limit per address.
            (var wait, permit) = await _registrations.TryAcquirePermitAsync(budgetKey, _options.AccountsPerAddressPerDay,
                TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false);
            if (wait is { } retryAfter)
            {
                throw new OnlineException(OnlineError.RateLimited, "Too many accounts were registered from this address today; try again later.", retryAfter)
                {
                    ProblemType = OnlineProblemTypes.RegistrationLimited,
                };
            }
        }
        string hash;
        try
        {
            hash = await _hashing.RunAsync(() => _hasher.Hash(password), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (budgetKey is not null && exception is OnlineException or OperationCanceledException)
        {
            // The gate refused (busy) or the wait for a slot was cancelled: no hash ran, no account exists.
            await ReleaseRegistrationAsync(budgetKey, permit).ConfigureAwait(false);
            throw;
        }
        var now = _time.GetUtcNow();
        try
        {
            long userId = await _database.WriteAsync((connection, transaction) =>
                connection.ScalarAsync<long>(transaction,
                    "INSERT INTO users (username, login_key, password_hash, created_at) VALUES (@u, @k, @h, @t) RETURNING id",
                    cancellationToken, ("@u", name), ("@k", loginKey), ("@h", hash), ("@t", now.ToUnixTimeMilliseconds())),
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Registered user {UserId}", userId);
            return new UserAccount(userId, name, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
        }
        catch (DbException exception) when (_database.IsUniqueViolation(exception))
        {
            // Another request took the name since it was found free. Only the winner's account is counted: each permit given
            // back is a name someone else registered, so racing for names gets no address more accounts than its budget.
            if (budgetKey is not null)
            {
                await ReleaseRegistrationAsync(budgetKey, permit).ConfigureAwait(false);
            }
            throw NameTaken();
        }
    }

    /// <summary>Gives a registration permit back; a store that fails to take it only leaves the permit spent, as before.</summary>
    private async Task ReleaseRegistrationAsync(string budgetKey, RatePermit permit)
    {
        try
        {
            // Not the request's token: a cancelled request still gives its permit back.
            await _registrations.ReleaseAsync(budgetKey, _options.AccountsPerAddressPerDay, TimeSpan.FromDays(1), permit,
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Whatever went wrong here (a store error, a disposed store at shutdown) must not replace the caller's answer
            // (409, 503, cancellation) with a 500: the permit just stays spent.
            _logger.LogWarning(exception, "A registration permit could not be given back");
        }
    }

    private static OnlineException NameTaken() => new(OnlineError.Conflict, "That username is taken (names are compared ignoring case and width).");

    /// <inheritdoc/>
    public Task<AuthSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default) =>
        LoginAsync(username, password, clientAddress: null, cancellationToken);

    /// <inheritdoc/>
    public Task<AuthSession> RegisterOrLogInAsync(string username, string password, CancellationToken cancellationToken = default) =>
        RegisterOrLogInAsync(username, password, clientAddress: null, cancellationToken);

    /// <summary>
    /// Registers the account when its name is free and opens its session, or else logs in
    /// (<see cref="LoginAsync(string, string, string?, CancellationToken)"/>, its failures counted as any login's): the
    /// backend's one-request sign-up-or-in. Either way it costs one password hash, the unit of the sign-in budget: a new
    /// account's password was just hashed, so it is not verified against that hash again.
    /// </summary>
    /// <param name="username">The username.</param>
    /// <param name="password">The password.</param>
    /// <param name="clientAddress">The client's address group, or null in-process.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Access, refresh and connect tokens.</returns>
    /// <remarks>A new account counts against the address's <see cref="AuthenticationOptions.AccountsPerAddressPerDay"/> when <paramref name="clientAddress"/> is given.</remarks>
    public Task<AuthSession> RegisterOrLogInAsync(string username, string password, string? clientAddress, CancellationToken cancellationToken = default) =>
        RegisterOrLogInAsync(username, password, clientAddress, registrationAddress: clientAddress, cancellationToken);

    /// <summary>
    /// <see cref="RegisterOrLogInAsync(string, string, string?, CancellationToken)"/> with the registration budget's address
    /// given apart from the login throttle's: the backend passes none for a game server with a server key (not subject to
    /// per-address budgets), whose logins are still throttled by its address.
    /// </summary>
    internal async Task<AuthSession> RegisterOrLogInAsync(string username, string password, string? clientAddress, string? registrationAddress,
        CancellationToken cancellationToken)
    {
        Tokens("log a player in");
        UserAccount account;
        try
        {
            account = await RegisterAsync(username, password, registrationAddress, cancellationToken).ConfigureAwait(false);
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
        {
            // The account exists (or another's does: the login refuses a password that is not its own).
            return await LoginAsync(username, password, clientAddress, cancellationToken).ConfigureAwait(false);
        }

        // Registered with this very password: a login's delays still apply to the address, its hash would only repeat ours.
        var keys = LoginThrottle.For(Usernames.LoginKey(account.Username), clientAddress ?? "in-process");
        var now = _time.GetUtcNow();
        var (wait, _) = await _throttle.CheckAsync(keys, now, cancellationToken).ConfigureAwait(false);
        if (wait is { } remaining)
        {
            throw Throttled(remaining);
        }

        await _throttle.RecordSuccessAsync(keys, now, cancellationToken).ConfigureAwait(false);
        return await OpenSessionAsync(account.UserId, account.Username, now, cancellationToken).ConfigureAwait(false);
    }

    private static OnlineException Throttled(TimeSpan remaining)
    {
        OnlineMetrics.LoginFailures.Add(1);
        OnlineMetrics.LoginsThrottled.Add(1);
        return new OnlineException(OnlineError.RateLimited, "Too many failed logins; wait before trying again.", remaining)
        {
            ProblemType = OnlineProblemTypes.LoginThrottled,
        };
    }

    /// <summary>Logs a player in, counting failures against the account from this address, the address, and the account.</summary>
    /// <param name="username">The registered username (any case; names registered before usernames were normalized log in exactly as registered).</param>
    /// <param name="password">The password.</param>
    /// <param name="clientAddress">The client's address group (the backend passes the remote IP, or its IPv6 /64), or null in-process.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Access, refresh and connect tokens.</returns>
    /// <exception cref="OnlineException">
    /// <see cref="OnlineError.Unauthorized"/> for wrong credentials (the same for unknown users, after the same work);
    /// <see cref="OnlineError.RateLimited"/> during a login delay; <see cref="OnlineError.Unavailable"/> when every hashing slot is busy.
    /// </exception>
    public async Task<AuthSession> LoginAsync(string username, string password, string? clientAddress, CancellationToken cancellationToken = default)
    {
        Tokens("log a player in");
        if (string.IsNullOrEmpty(username) || username.Length > OnlineLimits.MaxUsernameLength * 4 || password is null || password.Length > OnlineLimits.MaxPasswordLength)
        {
            throw OnlineException.Unauthorized("Invalid username or password.");
        }
        // A name that follows today's rules logs in by its case-folded key; anything else can only be a name registered
        // before the rules, which logs in exactly as it was registered.
        string? loginKey = Usernames.TryNormalize(username, out string normalized, out _) ? Usernames.LoginKey(normalized) : null;
        var keys = LoginThrottle.For(loginKey ?? "legacy:" + username, clientAddress ?? "in-process");
        var now = _time.GetUtcNow();
        var (wait, knownGood) = await _throttle.CheckAsync(keys, now, cancellationToken).ConfigureAwait(false);
        if (wait is { } remaining)
        {
            throw Throttled(remaining);
        }

        var user = await _database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            loginKey is null
                ? "SELECT id, password_hash, username FROM users WHERE username = @u AND login_key LIKE 'legacy:%'"
                // A legacy account whose exact name was typed wins over the key's owner (look-alikes registered before the rules).
                : "SELECT id, password_hash, username FROM users WHERE login_key = @k OR (username = @u AND login_key LIKE 'legacy:%') " +
                  "ORDER BY CASE WHEN username = @u THEN 0 ELSE 1 END LIMIT 1",
            reader => ((long Id, string Hash, string Name)?)(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)), cancellationToken,
            loginKey is null ? [("@u", username)] : [("@u", username), ("@k", loginKey)]), cancellationToken).ConfigureAwait(false);
        // An unknown user costs the same hash as a known one, through the same gate, so timing tells nothing.
        var (valid, needsRehash) = await _hashing.RunAsync(() =>
        {
            if (user is { } found)
            {
                bool matches = _hasher.Verify(password, found.Hash, out bool rehash);
                return (matches, rehash);
            }
            _hasher.VerifyAgainstNothing(password);
            return (false, false);
        }, cancellationToken).ConfigureAwait(false);
        if (!valid)
        {
            await _throttle.RecordFailureAsync(keys, knownGood, now, cancellationToken).ConfigureAwait(false);
            OnlineMetrics.LoginFailures.Add(1);
            _logger.LogInformation("Failed login from {Address}", clientAddress ?? "in-process");
            throw OnlineException.Unauthorized("Invalid username or password.");
        }

        long userId = user!.Value.Id;
        string registeredName = user.Value.Name;
        await _throttle.RecordSuccessAsync(keys, now, cancellationToken).ConfigureAwait(false);
        if (needsRehash)
        {
            // Hashes of earlier versions (PBKDF2, or cheaper Argon2id) move to the current settings at this login.
            string upgraded = await _hashing.RunAsync(() => _hasher.Hash(password), cancellationToken).ConfigureAwait(false);
            await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
                "UPDATE users SET password_hash = @h WHERE id = @id", cancellationToken, ("@h", upgraded), ("@id", userId)), cancellationToken).ConfigureAwait(false);
        }
        return await OpenSessionAsync(userId, registeredName, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a session for a user whose password was just checked (or just registered): access, refresh and connect tokens.</summary>
    private async Task<AuthSession> OpenSessionAsync(long userId, string registeredName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        byte[] sessionId = RandomNumberGenerator.GetBytes(SessionIdBytes);
        string sessionKey = Convert.ToHexStringLower(sessionId);
        string refreshToken = RefreshTokens.Issue(sessionId, 1);
        var refreshExpiresAt = now + _options.RefreshTokenLifetime;
        await _database.WriteAsync(async (connection, transaction) =>
        {
            await MakeRoomForSessionAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                "INSERT INTO auth_sessions (id, user_id, created_at, revoked_at, refresh_hash, refresh_generation, refresh_expires_at) " +
                "VALUES (@id, @u, @t, NULL, @h, 1, @e)",
                cancellationToken, ("@id", sessionKey), ("@u", userId), ("@t", now.ToUnixTimeMilliseconds()), ("@h", HashRefreshToken(refreshToken)),
                ("@e", refreshExpiresAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        OnlineMetrics.Logins.Add(1);
        _logger.LogInformation("User {UserId} logged in", userId);
        return CreateSession(userId, registeredName, sessionId, refreshToken, refreshExpiresAt, now);
    }

    /// <summary>
    /// Deletes the account's sessions beyond the newest <see cref="AuthenticationOptions.MaxSessionsPerAccount"/> − 1, so the
    /// one about to open fits: logged-out ones first, then those refreshed longest ago. Under a lock named by the account,
    /// or two sign-ins at once on PostgreSQL would each count without the other and both keep their victim.
    /// </summary>
    private async Task MakeRoomForSessionAsync(DbConnection connection, DbTransaction transaction, long userId, CancellationToken cancellationToken)
    {
        await _database.LockNameAsync(connection, transaction, SessionCapLockSpace, unchecked((int)userId ^ (int)(userId >> 32)), cancellationToken).ConfigureAwait(false);
        // One statement per table whatever the account holds: at most MaxSessionsPerAccount rows once the bound holds, but an
        // account from before it may hold a row per sign-in it ever made, and deleting those one by one inside this
        // transaction outlasted the sign-in's timeout. The rows past the newest MaxSessionsPerAccount − 1 go; logged-out
        // ones sort last. (LIMIT with a huge count: SQLite needs a LIMIT for OFFSET, PostgreSQL refuses a negative one.)
        const string beyondNewest =
            "SELECT id FROM auth_sessions WHERE user_id = @u " +
            "ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, refresh_expires_at DESC, created_at DESC, id " +
            "LIMIT 9223372036854775807 OFFSET @keep";
        var parameters = new (string, object?)[] { ("@u", userId), ("@keep", (long)(_options.MaxSessionsPerAccount - 1)) };
        await connection.ExecuteAsync(transaction, "DELETE FROM refresh_tokens WHERE session_id IN (" + beyondNewest + ")", cancellationToken, parameters).ConfigureAwait(false);
        int deleted = await connection.ExecuteAsync(transaction, "DELETE FROM auth_sessions WHERE id IN (" + beyondNewest + ")", cancellationToken, parameters).ConfigureAwait(false);
        if (deleted > 0)
        {
            _logger.LogInformation("User {UserId} signed in with {Count} sessions too many held; the oldest were deleted", userId, deleted);
        }
    }

    private const int SessionCapLockSpace = 0x534553; // "SES"
}
