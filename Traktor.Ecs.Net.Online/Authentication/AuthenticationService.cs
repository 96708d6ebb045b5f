using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// <see cref="IAuthentication"/> on an <see cref="OnlineDatabase"/>: PBKDF2 passwords, HMAC-signed
/// access tokens bound to a revocable session, single-use rotating refresh tokens (reuse revokes the
/// session), and lockouts per account and per address.
/// </summary>
public sealed class AuthenticationService : IAuthentication
{
    private const int SessionIdBytes = 16;
    private const int RefreshTokenBytes = 32;

    private readonly OnlineDatabase _database;
    private readonly AuthenticationOptions _options;
    private readonly TimeProvider _time;
    private readonly IConnectTokenIssuer? _connectTokens;
    private readonly ILogger _logger;
    private readonly PasswordHasher _hasher;
    private readonly AccessTokenCodec _tokens;
    private readonly LoginThrottle _throttle;

    /// <summary>Creates the service.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="options">Keys, lifetimes, hashing cost and lockout policy.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="connectTokens">Issues connect tokens for game servers, or null to hand out none.</param>
    /// <param name="logger">Where security events are logged.</param>
    public AuthenticationService(OnlineDatabase database, AuthenticationOptions options, TimeProvider? time = null,
        IConnectTokenIssuer? connectTokens = null, ILogger<AuthenticationService>? logger = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _connectTokens = connectTokens;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _hasher = new PasswordHasher(options.PasswordHashIterations, options.AllowWeakPasswordHashingForTests);
        _tokens = new AccessTokenCodec(options.TokenSigningKey, options.PreviousTokenSigningKeys);
        _throttle = new LoginThrottle(database, options.Lockout);
    }

    /// <inheritdoc/>
    public async Task<UserAccount> RegisterAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckUsername(username);
        OnlineLimits.CheckPassword(password);
        string hash = _hasher.Hash(password);
        var now = _time.GetUtcNow();
        try
        {
            long userId = await _database.WriteAsync((connection, transaction) =>
                connection.ScalarAsync<long>(transaction,
                    "INSERT INTO users (username, password_hash, created_at) VALUES (@u, @h, @t) RETURNING id",
                    cancellationToken, ("@u", username), ("@h", hash), ("@t", now.ToUnixTimeMilliseconds())),
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Registered user {UserId}", userId);
            return new UserAccount(userId, username, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
        }
        catch (DbException exception) when (_database.IsUniqueViolation(exception))
        {
            throw new OnlineException(OnlineError.Conflict, "That username is taken.");
        }
    }

    /// <inheritdoc/>
    public Task<AuthSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default) =>
        LoginAsync(username, password, clientAddress: null, cancellationToken);

    /// <summary>Logs a player in, counting failures against both the account and the client's address.</summary>
    /// <param name="username">The registered username.</param>
    /// <param name="password">The password.</param>
    /// <param name="clientAddress">The client's network address (the backend passes the remote IP), or null in-process.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Access, refresh and connect tokens.</returns>
    public async Task<AuthSession> LoginAsync(string username, string password, string? clientAddress, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckUsername(username);
        if (password is null || password.Length > OnlineLimits.MaxPasswordLength)
        {
            throw OnlineException.Unauthorized("Invalid username or password.");
        }
        string accountKey = LoginThrottle.AccountKey(username);
        string? addressKey = clientAddress is null ? null : LoginThrottle.AddressKey(clientAddress);
        var now = _time.GetUtcNow();
        var keys = addressKey is null ? new[] { accountKey } : new[] { accountKey, addressKey };
        if (await _throttle.GetLockoutAsync(keys, now, cancellationToken).ConfigureAwait(false) is { } remaining)
        {
            OnlineMetrics.LoginFailures.Add(1);
            throw new OnlineException(OnlineError.RateLimited, "Too many failed logins; try again later.", remaining);
        }

        var user = await _database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            "SELECT id, password_hash FROM users WHERE username = @u",
            reader => ((long Id, string Hash)?)(reader.GetInt64(0), reader.GetString(1)), cancellationToken, ("@u", username)), cancellationToken).ConfigureAwait(false);
        bool needsRehash = false;
        bool valid;
        if (user is { } found)
        {
            valid = _hasher.Verify(password, found.Hash, out needsRehash);
        }
        else
        {
            _hasher.VerifyAgainstNothing(password);
            valid = false;
        }
        if (!valid)
        {
            await _throttle.RecordFailureAsync(accountKey, addressKey, now, cancellationToken).ConfigureAwait(false);
            OnlineMetrics.LoginFailures.Add(1);
            _logger.LogInformation("Failed login from {Address}", clientAddress ?? "in-process");
            throw OnlineException.Unauthorized("Invalid username or password.");
        }

        long userId = user!.Value.Id;
        await _throttle.ResetAsync(accountKey, cancellationToken).ConfigureAwait(false);
        if (needsRehash)
        {
            string upgraded = _hasher.Hash(password);
            await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
                "UPDATE users SET password_hash = @h WHERE id = @id", cancellationToken, ("@h", upgraded), ("@id", userId)), cancellationToken).ConfigureAwait(false);
        }
        byte[] sessionId = RandomNumberGenerator.GetBytes(SessionIdBytes);
        string refreshToken = NewRefreshToken();
        var refreshExpiresAt = now + _options.RefreshTokenLifetime;
        await _database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction, "INSERT INTO auth_sessions (id, user_id, created_at, revoked_at) VALUES (@id, @u, @t, NULL)",
                cancellationToken, ("@id", Convert.ToHexStringLower(sessionId)), ("@u", userId), ("@t", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            await InsertRefreshTokenAsync(connection, transaction, refreshToken, Convert.ToHexStringLower(sessionId), refreshExpiresAt, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        OnlineMetrics.Logins.Add(1);
        _logger.LogInformation("User {UserId} logged in", userId);
        return CreateSession(userId, username, sessionId, refreshToken, refreshExpiresAt, now);
    }

    /// <inheritdoc/>
    public async Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(refreshToken) || refreshToken.Length > OnlineLimits.MaxTokenLength)
        {
            throw OnlineException.Unauthorized("Invalid refresh token.");
        }
        var now = _time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        string newRefreshToken = NewRefreshToken();
        var newExpiresAt = now + _options.RefreshTokenLifetime;
        var outcome = await _database.WriteAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync(transaction,
                "SELECT t.session_id, t.expires_at, t.used_at, s.revoked_at, u.id, u.username FROM refresh_tokens t " +
                "JOIN auth_sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE t.token_hash = @h" + _database.ForUpdate,
                reader => ((string SessionId, long ExpiresAt, long? UsedAt, long? RevokedAt, long UserId, string Username)?)(
                    reader.GetString(0), reader.GetInt64(1), reader.GetNullableInt64(2), reader.GetNullableInt64(3), reader.GetInt64(4), reader.GetString(5)),
                cancellationToken, ("@h", HashRefreshToken(refreshToken))).ConfigureAwait(false);
            if (row is not { } token || token.RevokedAt is not null || token.ExpiresAt <= nowMs)
            {
                return (Refreshed: false, ReuseDetected: false, Row: row);
            }
            if (token.UsedAt is not null)
            {
                // A spent token came back: someone holds a copy. Revoking the family stops both holders.
                await RevokeSessionAsync(connection, transaction, token.SessionId, nowMs, cancellationToken).ConfigureAwait(false);
                return (Refreshed: false, ReuseDetected: true, Row: row);
            }
            await connection.ExecuteAsync(transaction, "UPDATE refresh_tokens SET used_at = @t WHERE token_hash = @h",
                cancellationToken, ("@t", nowMs), ("@h", HashRefreshToken(refreshToken))).ConfigureAwait(false);
            await InsertRefreshTokenAsync(connection, transaction, newRefreshToken, token.SessionId, newExpiresAt, cancellationToken).ConfigureAwait(false);
            return (Refreshed: true, ReuseDetected: false, Row: row);
        }, cancellationToken).ConfigureAwait(false);
        if (outcome.ReuseDetected)
        {
            _logger.LogWarning("Refresh-token reuse for user {UserId}; session revoked", outcome.Row!.Value.UserId);
            throw OnlineException.Unauthorized("Refresh token already used; the session has been revoked.");
        }
        if (!outcome.Refreshed)
        {
            throw OnlineException.Unauthorized("Invalid, expired or revoked refresh token.");
        }
        var session = outcome.Row!.Value;
        return CreateSession(session.UserId, session.Username, Convert.FromHexString(session.SessionId), newRefreshToken, newExpiresAt, now);
    }

    /// <inheritdoc/>
    public async Task LogoutAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        var claims = await ValidateAccessTokenAsync(accessToken, cancellationToken).ConfigureAwait(false);
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _database.WriteAsync(async (connection, transaction) =>
        {
            await RevokeSessionAsync(connection, transaction, claims.SessionId, nowMs, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("User {UserId} logged out", claims.UserId);
    }

    /// <inheritdoc/>
    public async Task<AccessTokenClaims> ValidateAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        var claims = _tokens.Read(accessToken, _time.GetUtcNow()) ?? throw OnlineException.Unauthorized("Invalid or expired access token.");
        // The session must exist, be live, and belong to the token's user: a token naming someone else's session is forged.
        bool live = await _database.ReadAsync(async connection =>
        {
            var session = await connection.QuerySingleOrDefaultAsync(null, "SELECT user_id, revoked_at FROM auth_sessions WHERE id = @id",
                reader => ((long UserId, bool Revoked)?)(reader.GetInt64(0), !reader.IsDBNull(1)), cancellationToken, ("@id", claims.SessionId)).ConfigureAwait(false);
            return session is { Revoked: false } found && found.UserId == claims.UserId;
        }, cancellationToken).ConfigureAwait(false);
        return live ? claims : throw OnlineException.Unauthorized("The session is revoked or not this token's.");
    }

    /// <inheritdoc/>
    public async Task RevokeUserSessionsAsync(long userId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckUserId(userId);
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        int revoked = await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
            "UPDATE auth_sessions SET revoked_at = @t WHERE user_id = @u AND revoked_at IS NULL",
            cancellationToken, ("@t", nowMs), ("@u", userId)), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Revoked {Count} sessions of user {UserId}", revoked, userId);
    }

    private AuthSession CreateSession(long userId, string username, byte[] sessionId, string refreshToken, DateTimeOffset refreshExpiresAt, DateTimeOffset now)
    {
        var accessExpiresAt = now + _options.AccessTokenLifetime;
        string accessToken = _tokens.Issue(userId, sessionId, now, accessExpiresAt);
        byte[] connectToken = _connectTokens?.IssueConnectToken(userId, Encoding.UTF8.GetBytes(username), _options.ConnectTokenLifetime) ?? [];
        return new AuthSession(userId, username, accessToken, DateTimeOffset.FromUnixTimeMilliseconds(accessExpiresAt.ToUnixTimeMilliseconds()),
            refreshToken, DateTimeOffset.FromUnixTimeMilliseconds(refreshExpiresAt.ToUnixTimeMilliseconds()), connectToken);
    }

    private static Task<int> RevokeSessionAsync(DbConnection connection, DbTransaction transaction, string sessionId, long nowMs, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE auth_sessions SET revoked_at = @t WHERE id = @id AND revoked_at IS NULL",
            cancellationToken, ("@t", nowMs), ("@id", sessionId));

    private static Task<int> InsertRefreshTokenAsync(DbConnection connection, DbTransaction transaction, string refreshToken, string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "INSERT INTO refresh_tokens (token_hash, session_id, expires_at, used_at) VALUES (@h, @s, @e, NULL)",
            cancellationToken, ("@h", HashRefreshToken(refreshToken)), ("@s", sessionId), ("@e", expiresAt.ToUnixTimeMilliseconds()));

    private static string NewRefreshToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RefreshTokenBytes));

    // Only a hash is stored, so a leaked database does not leak usable refresh tokens.
    private static string HashRefreshToken(string refreshToken) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
}
