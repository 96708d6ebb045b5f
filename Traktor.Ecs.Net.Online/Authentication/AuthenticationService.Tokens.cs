using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Authentication;

// Refresh-token rotation, logout, access-token validation and session revocation (one XML summary lives on the main part).
public sealed partial class AuthenticationService
{
    /// <inheritdoc/>
    /// <remarks>
    /// Tokens are single-use: the session keeps the hash of its current token only (one row however often it rotates),
    /// and a spent one is recognized by its signed generation (<see cref="RefreshTokenCodec"/>). Tokens issued before that
    /// format (rows of their own in <c>refresh_tokens</c>) still refresh once, into the new format. A token of neither shape
    /// is refused before the store is touched.
    /// </remarks>
    public Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default) =>
        RefreshAsync(refreshToken, null, cancellationToken);

    /// <summary>
    /// <see cref="RefreshAsync(string, CancellationToken)"/>, telling <paramref name="refused"/> why a token was refused
    /// (one of <see cref="RefreshRefusal"/>'s words) before it throws: the backend counts refusals by reason, and the
    /// message the caller sees must not say which check failed.
    /// </summary>
    internal async Task<AuthSession> RefreshAsync(string refreshToken, Action<string>? refused, CancellationToken cancellationToken)
    {
        Tokens("refresh a login");
        if (string.IsNullOrEmpty(refreshToken) || refreshToken.Length > OnlineLimits.MaxTokenLength)
        {
            refused?.Invoke(RefreshRefusal.Invalid);
            throw OnlineException.Unauthorized("Invalid refresh token.");
        }
        bool signedFormat = refreshToken.StartsWith(RefreshTokenCodec.Prefix, StringComparison.Ordinal);
        var signed = signedFormat ? RefreshTokens.Read(refreshToken) : null;
        // Both formats are checked before the store is touched: a malformed token can match nothing, and even the read-only
        // look-up below costs a connection and a query, too dear to spend on every garbage string.
        if (signedFormat ? signed is null : !LegacyRefreshToken.IsWellFormed(refreshToken))
        {
            refused?.Invoke(RefreshRefusal.Invalid);
            throw OnlineException.Unauthorized("Invalid refresh token.");
        }
        var now = _time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        var newExpiresAt = now + _options.RefreshTokenLifetime;
        string presentedHash = HashRefreshToken(refreshToken);
        // Looked up read-only first: a well-shaped forgery (or a token of a session gone, logged out or expired) is refused
        // without the writer's turn (SQLite's single writer, rows locked on PostgreSQL). Every refusal decided here is of a
        // state that never turns back (a session or token row is never re-created, revocation is for good, and a hash that is not
        // the current one never becomes it), so the write transaction would refuse it too; the exception is expiry, which a
        // rotation committing meanwhile moves on: a stale token caught in that instant is refused as expired, not revoked as
        // reused (docs/SECURITY.md). Only what writes
        // (a rotation, or revoking a reused token's session) takes the writer, and decides again there under its locks.
        var outcome = await _database.ReadAsync(
            connection => DecideRefreshAsync(connection, null, signed, presentedHash, nowMs, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (outcome.Writes)
        {
            outcome = await _database.WriteAsync(async (connection, transaction) =>
            {
                var decided = await DecideRefreshAsync(connection, transaction, signed, presentedHash, nowMs, cancellationToken).ConfigureAwait(false);
                if (decided.Refusal == RefreshRefusal.Reused)
                {
                    await RevokeSessionAsync(connection, transaction, decided.Row!.Value.SessionId, nowMs, cancellationToken).ConfigureAwait(false);
                    return decided;
                }
                if (decided.Refusal is not null)
                {
                    return decided;
                }
                if (signed is null)
                {
                    await connection.ExecuteAsync(transaction, "UPDATE refresh_tokens SET used_at = @t WHERE token_hash = @h",
                        cancellationToken, ("@t", nowMs), ("@h", presentedHash)).ConfigureAwait(false);
                }
                var current = decided.Row!.Value;
                string next = RefreshTokens.Issue(Convert.FromHexString(current.SessionId), current.Generation + 1);
                await connection.ExecuteAsync(transaction,
                    "UPDATE auth_sessions SET refresh_hash = @h, refresh_generation = @g, refresh_expires_at = @e WHERE id = @id",
                    cancellationToken, ("@h", HashRefreshToken(next)), ("@g", current.Generation + 1), ("@e", newExpiresAt.ToUnixTimeMilliseconds()),
                    ("@id", current.SessionId)).ConfigureAwait(false);
                return decided with { Token = next };
            }, cancellationToken).ConfigureAwait(false);
        }
        if (outcome.Refusal is { } refusal)
        {
            refused?.Invoke(refusal);
        }
        if (outcome.Refusal == RefreshRefusal.Reused)
        {
            _logger.LogWarning("Refresh-token reuse for user {UserId}; session revoked", outcome.Row!.Value.UserId);
            throw OnlineException.Unauthorized("Refresh token already used; the session has been revoked.");
        }
        if (outcome.Token is not { } newRefreshToken)
        {
            throw OnlineException.Unauthorized("Invalid, expired or revoked refresh token.");
        }
        var refreshed = outcome.Row!.Value;
        return CreateSession(refreshed.UserId, refreshed.Username, Convert.FromHexString(refreshed.SessionId), newRefreshToken, newExpiresAt, now);
    }

    /// <summary>A session as a refresh sees it: its current token's hash, generation and expiry, and its user.</summary>
    private readonly record struct RefreshRow(string SessionId, string? CurrentHash, long Generation, long ExpiresAt, long? RevokedAt, long UserId, string Username);

    /// <summary>
    /// What a refresh comes to: refused (<see cref="Refusal"/>; <see cref="RefreshRefusal.Reused"/> revokes the session), or
    /// rotated from <see cref="Row"/> (then <see cref="Token"/> is the new token once written).
    /// </summary>
    private readonly record struct RefreshOutcome(string? Refusal, RefreshRow? Row, string? Token = null)
    {
        /// <summary>Whether carrying it out writes (a rotation, or revoking a reused token's session): only then is the writer taken.</summary>
        public bool Writes => Refusal is null || Refusal == RefreshRefusal.Reused;
    }

    /// <summary>
    /// Decides a refresh from the store, without writing: read-only when <paramref name="transaction"/> is null, else in the
    /// write transaction with the rows locked.
    /// </summary>
    private async Task<RefreshOutcome> DecideRefreshAsync(DbConnection connection, DbTransaction? transaction,
        (string SessionId, long Generation, bool Genuine)? signed, string presentedHash, long nowMs, CancellationToken cancellationToken)
    {
        RefreshRow? row;
        if (signed is { } claims)
        {
            row = await ReadSessionAsync(connection, transaction, claims.SessionId, cancellationToken).ConfigureAwait(false);
            if (row is not { } session || session.RevokedAt is not null || session.ExpiresAt <= nowMs)
            {
                return new RefreshOutcome(RefreshRefusal.Of(row?.RevokedAt, row?.ExpiresAt, nowMs), row);
            }
            if (session.CurrentHash != presentedHash)
            {
                // Not the current token. A genuine one from earlier in the rotation means someone holds a copy: revoking the
                // session stops both holders. Anything else (forged, or from a key retired since) is refused.
                return new RefreshOutcome(claims.Genuine && claims.Generation < session.Generation ? RefreshRefusal.Reused : RefreshRefusal.Invalid, row);
            }
            return new RefreshOutcome(null, row);
        }
        // A token from before the signed format: its own row, spent when used.
        var legacy = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT session_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = @h" + Locking(transaction),
            reader => ((string SessionId, long ExpiresAt, long? UsedAt)?)(reader.GetString(0), reader.GetInt64(1), reader.GetNullableInt64(2)),
            cancellationToken, ("@h", presentedHash)).ConfigureAwait(false);
        if (legacy is not { } token || token.ExpiresAt <= nowMs)
        {
            return new RefreshOutcome(legacy is null ? RefreshRefusal.Unknown : RefreshRefusal.Expired, null);
        }
        row = await ReadSessionAsync(connection, transaction, token.SessionId, cancellationToken).ConfigureAwait(false);
        if (row is not { RevokedAt: null })
        {
            return new RefreshOutcome(row is null ? RefreshRefusal.Unknown : RefreshRefusal.Revoked, row);
        }
        return new RefreshOutcome(token.UsedAt is null ? null : RefreshRefusal.Reused, row);
    }

    // Rows are locked only where they are about to be written; a read-only look-up locks nothing.
    private string Locking(DbTransaction? transaction) => transaction is null ? "" : _database.ForUpdate;

    private Task<RefreshRow?> ReadSessionAsync(DbConnection connection, DbTransaction? transaction, string sessionId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT s.id, s.refresh_hash, s.refresh_generation, s.refresh_expires_at, s.revoked_at, u.id, u.username FROM auth_sessions s " +
            "JOIN users u ON u.id = s.user_id WHERE s.id = @id" + Locking(transaction),
            reader => (RefreshRow?)new RefreshRow(reader.GetString(0), reader.GetNullableString(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetNullableInt64(4), reader.GetInt64(5), reader.GetString(6)),
            cancellationToken, ("@id", sessionId));

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
        var claims = Tokens("verify an access token").Read(accessToken, _time.GetUtcNow()) ?? throw OnlineException.Unauthorized("Invalid or expired access token.");
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
        string accessToken = Tokens("issue an access token").Issue(userId, sessionId, now, accessExpiresAt);
        byte[] connectToken = _connectTokens?.IssueConnectToken(userId, Encoding.UTF8.GetBytes(username), _options.ConnectTokenLifetime) ?? [];
        return new AuthSession(userId, username, accessToken, DateTimeOffset.FromUnixTimeMilliseconds(accessExpiresAt.ToUnixTimeMilliseconds()),
            refreshToken, DateTimeOffset.FromUnixTimeMilliseconds(refreshExpiresAt.ToUnixTimeMilliseconds()), connectToken);
    }

    private AccessTokenCodec Tokens(string operation) => _tokens ?? throw new TokenSigningKeyMissingException(operation);

    private RefreshTokenCodec RefreshTokens => _refreshTokens ?? throw new TokenSigningKeyMissingException("issue a refresh token");

    private static Task<int> RevokeSessionAsync(DbConnection connection, DbTransaction transaction, string sessionId, long nowMs, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE auth_sessions SET revoked_at = @t WHERE id = @id AND revoked_at IS NULL",
            cancellationToken, ("@t", nowMs), ("@id", sessionId));

    // Only a hash is stored, so a leaked database does not leak usable refresh tokens.
    private static string HashRefreshToken(string refreshToken) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
}
