using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.RateLimiting;

/// <summary>
/// A rate limit kept in the shared store, so it holds across every backend node on one PostgreSQL database (and
/// across restarts): a client cannot get N budgets from N nodes. It is the generic cell rate algorithm: one row per
/// key holds the theoretical arrival time (TAT) of the next request; a request is allowed when TAT minus now is within
/// the burst, and the answer to one that is not says exactly when it would be. One small write per request, so it is
/// meant for expensive routes (register, login, refresh), not for every request.
/// </summary>
public sealed class SharedRateLimiter
{
    private readonly OnlineDatabase _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the limiter.</summary>
    /// <param name="database">The migrated store the nodes share.</param>
    /// <param name="time">The clock (a fake one in tests); nodes' clocks should agree within a second.</param>
    public SharedRateLimiter(OnlineDatabase database, TimeProvider? time = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Takes one permit for a key: at most <paramref name="permits"/> per <paramref name="window"/>, in bursts of up to <paramref name="permits"/>.</summary>
    /// <param name="key">What is limited, for example <c>auth:203.0.113.7</c>.</param>
    /// <param name="permits">Requests per window (1 or more).</param>
    /// <param name="window">The window.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Null when the request may go ahead, else how long until it would be allowed.</returns>
    public async Task<TimeSpan?> TryAcquireAsync(string key, int permits, TimeSpan window, CancellationToken cancellationToken = default) =>
        (await TryAcquirePermitAsync(key, permits, window, cancellationToken).ConfigureAwait(false)).RetryAfter;

    /// <summary>
    /// <see cref="TryAcquireAsync"/>, also naming the row the permit was counted in (its generation), for
    /// <see cref="ReleaseAsync"/>: maintenance deletes a row whose budget is whole again and the next request creates a
    /// new one with a new generation, which a permit of the old row must not be given back to.
    /// </summary>
    internal Task<(TimeSpan? RetryAfter, long Generation)> TryAcquirePermitAsync(string key, int permits, TimeSpan window,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long interval = Math.Max(1, (long)window.TotalMilliseconds / permits);
        long burst = interval * (permits - 1);
        // Random rather than a clock reading: nodes' clocks may differ, and a row may be deleted and created again within a
        // millisecond of another node's clock. Never 0, the generation of rows from before generations were kept.
        long generation = Random.Shared.NextInt64(1, long.MaxValue);
        return _database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO rate_limits (limit_key, tat, generation) VALUES (@k, @t, @g) ON CONFLICT (limit_key) DO NOTHING",
                cancellationToken, ("@k", key), ("@t", nowMs), ("@g", generation)).ConfigureAwait(false);
            var (stored, rowGeneration) = await connection.QuerySingleOrDefaultAsync(transaction,
                "SELECT tat, generation FROM rate_limits WHERE limit_key = @k" + _database.ForUpdate,
                reader => (reader.GetInt64(0), reader.GetInt64(1)), cancellationToken, ("@k", key)).ConfigureAwait(false);
            long tat = Math.Max(stored, nowMs);
            if (tat - nowMs > burst)
            {
                OnlineMetrics.SharedRateLimited.Add(1);
                return ((TimeSpan?)TimeSpan.FromMilliseconds(tat - burst - nowMs), rowGeneration);
            }
            await connection.ExecuteAsync(transaction, "UPDATE rate_limits SET tat = @t WHERE limit_key = @k",
                cancellationToken, ("@t", tat + interval), ("@k", key)).ConfigureAwait(false);
            return ((TimeSpan?)null, rowGeneration);
        }, cancellationToken);
    }

    /// <summary>
    /// Gives back one permit that <see cref="TryAcquireAsync"/> granted for a request that in the end did none of what the
    /// limit is for (a registration that made no account, say). Call it once per granted permit at most, and only for an
    /// outcome that spent none of what the limit protects: each release is one more request the key may make. Internal:
    /// an unmatched call hands out a free permit for any key.
    /// </summary>
    /// <param name="key">The key the permit was taken for.</param>
    /// <param name="permits">The same permits per window the permit was taken with.</param>
    /// <param name="window">The same window.</param>
    /// <param name="generation">The generation <see cref="TryAcquirePermitAsync"/> granted the permit in.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once the permit is back, or is known to have come back by itself.</returns>
    internal Task ReleaseAsync(string key, int permits, TimeSpan window, long generation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        long interval = Math.Max(1, (long)window.TotalMilliseconds / permits);
        // One interval off the arrival time undoes one grant, whatever others were granted since. Only in the row that granted
        // it: a row pruned meanwhile had its time pass, so the grant had come back by itself, and taking an interval off the
        // row created after it would count a grant that row never made (one permit too many; found in attack review 21).
        return _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
            "UPDATE rate_limits SET tat = tat - @i WHERE limit_key = @k AND generation = @g", cancellationToken,
            ("@i", interval), ("@k", key), ("@g", generation)), cancellationToken);
    }
}
