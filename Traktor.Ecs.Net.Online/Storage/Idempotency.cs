using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// Idempotency keys as the IETF draft (draft-ietf-httpapi-idempotency-key-header) has them: a key replayed with the
/// same request returns the first outcome without applying it again; a key replayed with a different request is
/// refused (<see cref="OnlineError.Conflict"/>, problem type <see cref="OnlineProblemTypes.IdempotencyKeyReused"/>, HTTP
/// 422), since the client has mixed up two operations. Requests are compared by a SHA-256 fingerprint of their fields.
/// </summary>
internal static class Idempotency
{
    /// <summary>A fingerprint of a request's fields (length-prefixed, so no two field lists collide by concatenation).</summary>
    public static string Fingerprint(params string?[] fields)
    {
        var text = new StringBuilder();
        foreach (string? field in fields)
        {
            text.Append(field is null ? "-1" : field.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(field).Append(';');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Refuses a replayed key whose request differs from the first one's.</summary>
    public static void RequireSameRequest(string? recorded, string presented, string key)
    {
        if (recorded is not null && recorded != presented)
        {
            throw new OnlineException(OnlineError.Conflict, $"Idempotency key '{key}' was already used for a different request.")
            {
                ProblemType = OnlineProblemTypes.IdempotencyKeyReused,
            };
        }
    }

    /// <summary>
    /// Forgets the oldest keys of one player on one board or achievement beyond the newest <paramref name="keep"/>, so a
    /// player submitting with a fresh key every time holds a bounded number of rows, not one per request for the whole
    /// retention (30 days at the request budget's 50 a second came to over 100 million rows).
    /// </summary>
    /// <param name="database">The store, for the lock that serializes one player's trims (see the remarks).</param>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The write transaction the new key was recorded in.</param>
    /// <param name="table">The key table (a constant of the caller: <c>leaderboard_submissions</c> or <c>achievement_requests</c>).</param>
    /// <param name="ownerColumn">Its board or achievement column (a constant of the caller).</param>
    /// <param name="ownerId">The board or achievement.</param>
    /// <param name="userId">The player.</param>
    /// <param name="keep">How many of the player's newest keys there to keep.</param>
    /// <param name="recordedKey">The key just recorded: never forgotten here, even when its time sorts it first (a node whose
    /// clock lags, or more than <paramref name="keep"/> keys in one millisecond), or a retry of it would count again.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of keys forgotten.</returns>
    /// <remarks>
    /// Count and delete run under a lock named by the player, board or achievement: under PostgreSQL's read committed,
    /// requests in flight at once each counted without the others' uncommitted keys, all skipped the trim, and the player
    /// held more than <paramref name="keep"/> (a burst of 32 left 32). Behind the lock each count sees every key committed
    /// before it, so the rows held after any commit never exceed the bound. SQLite writers are serialized already.
    /// </remarks>
    public static async Task<int> ForgetOldestAsync(OnlineDatabase database, DbConnection connection, DbTransaction transaction, string table, string ownerColumn,
        string ownerId, long userId, int keep, string recordedKey, CancellationToken cancellationToken)
    {
        await database.LockNameAsync(connection, transaction, TrimLockSpace, TrimLockKey(table, ownerId, userId), cancellationToken).ConfigureAwait(false);
        // Counted through the primary key's (owner, user) prefix: at most keep + 1 rows once the bound holds.
        long held = await connection.ScalarAsync<long>(transaction,
            $"SELECT COUNT(*) FROM {table} WHERE {ownerColumn} = @o AND user_id = @u", cancellationToken, ("@o", ownerId), ("@u", userId)).ConfigureAwait(false);
        if (held <= keep)
        {
            return 0;
        }
        return await connection.ExecuteAsync(transaction,
            $"DELETE FROM {table} WHERE {ownerColumn} = @o AND user_id = @u AND idempotency_key IN " +
            $"(SELECT idempotency_key FROM {table} WHERE {ownerColumn} = @o AND user_id = @u AND idempotency_key <> @k " +
            "ORDER BY created_at, idempotency_key LIMIT @n)",
            cancellationToken, ("@o", ownerId), ("@u", userId), ("@k", recordedKey), ("@n", held - keep)).ConfigureAwait(false);
    }

    private const int TrimLockSpace = 0x49444b; // "IDK"

    /// <summary>
    /// A lock key for one player's keys on one board or achievement, the same in every process (string.GetHashCode is not):
    /// FNV-1a over the table, the owner and the user. Two owners sharing a key only wait for each other now and then.
    /// </summary>
    private static int TrimLockKey(string table, string ownerId, long userId)
    {
        uint hash = 2166136261;
        foreach (char c in table + "\0" + ownerId + "\0" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            hash = (hash ^ c) * 16777619;
        }
        return unchecked((int)hash);
    }

    /// <summary>Refuses data for a user id that has no account (a server key can name any id).</summary>
    public static async Task RequireUserAsync(DbConnection connection, DbTransaction? transaction, long userId, CancellationToken cancellationToken)
    {
        long found = await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM users WHERE id = @u", cancellationToken, ("@u", userId)).ConfigureAwait(false);
        if (found == 0)
        {
            throw OnlineException.NotFound($"No user {userId}.");
        }
    }
}
