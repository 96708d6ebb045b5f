using System.Data.Common;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// The failed-login counters of <see cref="LoginThrottlePolicy"/>, kept in the store so they hold across restarts and
/// across backend nodes sharing a PostgreSQL database. One row per key: failures in the current streak, the time of
/// the last failure, when the next attempt is allowed, and (for account-and-address keys) until when the address is
/// known-good for the account.
/// </summary>
internal sealed class LoginThrottle(OnlineDatabase database, LoginThrottlePolicy policy)
{
    /// <summary>The keys one login attempt is counted under.</summary>
    public sealed record Keys(string Pair, string Address, string Account);

    public static Keys For(string loginKey, string addressGroup) =>
        new("pair:" + addressGroup + "|" + loginKey, "addr:" + addressGroup, "user:" + loginKey);

    /// <summary>
    /// Whether the attempt may go ahead: null if so, else how long until it may. A known-good address is judged by its
    /// account-and-address key alone.
    /// </summary>
    public Task<(TimeSpan? Wait, bool KnownGood)> CheckAsync(Keys keys, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            long nowMs = now.ToUnixTimeMilliseconds();
            var pair = await ReadAsync(connection, null, keys.Pair, cancellationToken).ConfigureAwait(false);
            bool knownGood = pair.KnownGoodUntil > nowMs;
            long next = pair.NextAllowed;
            if (!knownGood)
            {
                next = Math.Max(next, (await ReadAsync(connection, null, keys.Address, cancellationToken).ConfigureAwait(false)).NextAllowed);
                next = Math.Max(next, (await ReadAsync(connection, null, keys.Account, cancellationToken).ConfigureAwait(false)).NextAllowed);
            }
            return (next > nowMs ? TimeSpan.FromMilliseconds(next - nowMs) : (TimeSpan?)null, knownGood);
        }, cancellationToken);

    /// <summary>Counts one failure under the keys that apply (only the pair's for a known-good address).</summary>
    public Task RecordFailureAsync(Keys keys, bool knownGood, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await CountAsync(connection, transaction, keys.Pair, policy.FreeFailuresPerAccountAndAddress, now, cancellationToken).ConfigureAwait(false);
            if (!knownGood)
            {
                await CountAsync(connection, transaction, keys.Address, policy.FreeFailuresPerAddress, now, cancellationToken).ConfigureAwait(false);
                await CountAsync(connection, transaction, keys.Account, policy.FreeFailuresPerAccount, now, cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken);

    /// <summary>
    /// After a successful login: the pair's streak ends and the address becomes known-good for the account. The
    /// address's and the account's counters stay: a good login must not hand a flooding address or a distributed
    /// guesser fresh free attempts.
    /// </summary>
    public Task RecordSuccessAsync(Keys keys, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
        {
            long nowMs = now.ToUnixTimeMilliseconds();
            // One statement that creates the row or updates it: an INSERT … DO NOTHING then an UPDATE would let maintenance
            // delete a stale row between the two on PostgreSQL, leaving the address not known-good (SECURITY.md, attack review 22).
            return connection.ExecuteAsync(transaction,
                "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until, known_good_until) VALUES (@k, 0, @now, 0, @g) " +
                "ON CONFLICT (throttle_key) DO UPDATE SET failures = 0, locked_until = 0, known_good_until = excluded.known_good_until",
                cancellationToken, ("@k", keys.Pair), ("@now", nowMs), ("@g", nowMs + (long)policy.KnownAddressLifetime.TotalMilliseconds));
        }, cancellationToken);

    private async Task CountAsync(DbConnection connection, DbTransaction transaction, string key, int free, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        // One statement that creates the row or counts on in it, and reads it: an INSERT … DO NOTHING then a SELECT … FOR
        // UPDATE would let maintenance delete a stale row between the two on PostgreSQL, leaving the failure uncounted
        // (SECURITY.md, attack review 22). The row it leaves has its last failure at now, which maintenance keeps, and on PostgreSQL it stays
        // locked until the transaction ends.
        var (failures, nextAllowed) = await connection.QuerySingleOrDefaultAsync(transaction,
            "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until, known_good_until) VALUES (@k, 1, @now, 0, 0) " +
            "ON CONFLICT (throttle_key) DO UPDATE SET failures = CASE WHEN @now - login_throttle.window_start > @memory THEN 1 " +
            "ELSE login_throttle.failures + 1 END, window_start = excluded.window_start RETURNING failures, locked_until",
            reader => (reader.GetInt64(0), reader.GetInt64(1)), cancellationToken,
            ("@k", key), ("@now", nowMs), ("@memory", (long)policy.FailureMemory.TotalMilliseconds)).ConfigureAwait(false);
        var delay = policy.DelayAfter(failures, free);
        if (delay > TimeSpan.Zero)
        {
            OnlineMetrics.Lockouts.Add(1);
            await connection.ExecuteAsync(transaction, "UPDATE login_throttle SET locked_until = @l WHERE throttle_key = @k",
                cancellationToken, ("@l", Math.Max(nextAllowed, nowMs + (long)delay.TotalMilliseconds)), ("@k", key)).ConfigureAwait(false);
        }
    }

    // window_start holds the time of the streak's last failure; locked_until the time the next attempt is allowed.
    private static async Task<(long Failures, long LastFailure, long NextAllowed, long KnownGoodUntil)> ReadAsync(
        DbConnection connection, DbTransaction? transaction, string key, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT failures, window_start, locked_until, known_good_until FROM login_throttle WHERE throttle_key = @k",
            reader => (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)), cancellationToken, ("@k", key)).ConfigureAwait(false);
}
