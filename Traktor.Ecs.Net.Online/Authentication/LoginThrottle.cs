using System.Data.Common;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// Failed-login counters and lockouts, kept in the store so they hold across restarts and across
/// backend instances sharing a PostgreSQL database.
/// </summary>
internal sealed class LoginThrottle(OnlineDatabase database, LoginLockoutPolicy policy)
{
    public static string AccountKey(string username) => "user:" + username;

    public static string AddressKey(string address) => "addr:" + address;

    /// <summary>Returns how long the longest lockout among the keys still lasts, or null if none is locked.</summary>
    public Task<TimeSpan?> GetLockoutAsync(IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            long longest = 0;
            foreach (string key in keys)
            {
                long lockedUntil = await connection.QuerySingleOrDefaultAsync(null,
                    "SELECT locked_until FROM login_throttle WHERE throttle_key = @k", reader => reader.GetInt64(0), cancellationToken, ("@k", key)).ConfigureAwait(false);
                longest = Math.Max(longest, lockedUntil - now.ToUnixTimeMilliseconds());
            }
            return longest > 0 ? TimeSpan.FromMilliseconds(longest) : (TimeSpan?)null;
        }, cancellationToken);

    /// <summary>Counts one failure against each key, locking those that reach their limit.</summary>
    public Task RecordFailureAsync(string accountKey, string? addressKey, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await CountAsync(connection, transaction, accountKey, policy.MaxFailuresPerAccount, now, cancellationToken).ConfigureAwait(false);
            if (addressKey is not null)
            {
                await CountAsync(connection, transaction, addressKey, policy.MaxFailuresPerAddress, now, cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken);

    /// <summary>Forgets an account's failures after a successful login. Address counters stay: one good account must not unlock a flooding address.</summary>
    public Task ResetAsync(string accountKey, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
            connection.ExecuteAsync(transaction, "DELETE FROM login_throttle WHERE throttle_key = @k", cancellationToken, ("@k", accountKey)),
            cancellationToken);

    private async Task CountAsync(DbConnection connection, DbTransaction transaction, string key, int maxFailures, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(transaction,
            "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES (@k, 0, @now, 0) ON CONFLICT (throttle_key) DO NOTHING",
            cancellationToken, ("@k", key), ("@now", nowMs)).ConfigureAwait(false);
        var (failures, windowStart, lockedUntil) = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = @k" + database.ForUpdate,
            reader => (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)), cancellationToken, ("@k", key)).ConfigureAwait(false);
        if (lockedUntil > nowMs)
        {
            return;
        }
        if (nowMs - windowStart > (long)policy.FailureWindow.TotalMilliseconds || lockedUntil != 0)
        {
            // A new window (or the first failure after a lockout ended) starts counting afresh.
            failures = 0;
            windowStart = nowMs;
        }
        failures++;
        long newLockedUntil = 0;
        if (failures >= maxFailures)
        {
            newLockedUntil = nowMs + (long)policy.LockoutDuration.TotalMilliseconds;
            failures = 0;
            windowStart = nowMs;
            OnlineMetrics.Lockouts.Add(1);
        }
        await connection.ExecuteAsync(transaction,
            "UPDATE login_throttle SET failures = @f, window_start = @w, locked_until = @l WHERE throttle_key = @k",
            cancellationToken, ("@f", failures), ("@w", windowStart), ("@l", newLockedUntil), ("@k", key)).ConfigureAwait(false);
    }
}
