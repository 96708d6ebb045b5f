using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.RateLimiting;

/// <summary>
/// A rate limit kept in the shared store, so it holds across every backend node on one PostgreSQL database (and
/// across restarts): a client cannot get N budgets from N nodes. It is the generic cell rate algorithm: one row per
/// key holds the theoretical arrival time (TAT) of the next request; a request is allowed when TAT minus now is within
/// the burst, and the answer to one that is not says exactly when it would be. One small write per request, so it is
/// meant for expensive routes (register, login, refresh), not for every request.
/// The row also keeps the interval (window ÷ permits) its arrival time is counted in. A request made with another limit
/// (the setting changed; nodes mid-rollout with old and new settings) rescales the row first: the permits it holds
/// ((TAT − now) ÷ the row's interval) are kept as a count and restated in the request's interval, so raising a daily
/// budget from 20 to 200 after an address spent its 20 leaves it 180, and lowering it leaves what the new budget allows
/// beyond what was spent. Stored as a cost alone, the spent permits kept their old rate's price (72 min each at 20 a
/// day): the address got one every 7.2 min after the raise, not 180.
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
    /// <see cref="TryAcquireAsync"/>, also describing the permit granted (<see cref="RatePermit"/>) for
    /// <see cref="ReleaseAsync"/>.
    /// </summary>
    internal Task<(TimeSpan? RetryAfter, RatePermit Permit)> TryAcquirePermitAsync(string key, int permits, TimeSpan window,
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
            // One statement that creates the row or locks the existing one, and reads it: an INSERT … DO NOTHING then a
            // SELECT … FOR UPDATE would let maintenance delete the row between the two on PostgreSQL, and the permit would be
            // granted uncounted. It also moves a spent row's arrival time up to now (what the code below reads it as), so
            // maintenance's delete (tat < now) cannot match the row before the grant's update, or that update would find
            // no row and the permit would go uncounted (docs/SECURITY.md, attack review 23). That holds for maintenance on
            // a node whose clock agrees with this one within an interval; one running further ahead takes the row for
            // expired (docs/DEPLOY.md asks for synchronised clocks).
            var (stored, rowGeneration, rowInterval, granted) = await connection.QuerySingleOrDefaultAsync(transaction,
                "INSERT INTO rate_limits (limit_key, tat, generation, interval_ms) VALUES (@k, @t, @g, @i) " +
                "ON CONFLICT (limit_key) DO UPDATE SET tat = CASE WHEN rate_limits.tat < excluded.tat THEN excluded.tat ELSE rate_limits.tat END " +
                "RETURNING tat, generation, interval_ms, granted",
                reader => (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)), cancellationToken,
                ("@k", key), ("@t", nowMs), ("@g", generation), ("@i", interval)).ConfigureAwait(false);
            long tat = Math.Max(stored, nowMs);
            bool rescaled = rowInterval > 0 && rowInterval != interval;
            if (rescaled)
            {
                // At most one window of the new limit ahead, as a row counted in one interval always is: a limit lowered
                // below the permits spent (set back after a load test) holds the address for the rest of one window, not
                // for the old permits at the new, longer interval each (84 at 200 a day set back to 20: 100 h).
                tat = nowMs + Math.Min(Rescale(tat - nowMs, rowInterval, interval), interval * permits);
            }
            if (tat - nowMs > burst)
            {
                if (rescaled)
                {
                    // Kept in this request's interval from now on: left in the old one, the permits would come back at the old rate.
                    await connection.ExecuteAsync(transaction, "UPDATE rate_limits SET tat = @t, interval_ms = @i WHERE limit_key = @k",
                        cancellationToken, ("@t", tat), ("@i", interval), ("@k", key)).ConfigureAwait(false);
                }
                OnlineMetrics.SharedRateLimited.Add(1);
                return ((TimeSpan?)TimeSpan.FromMilliseconds(tat - burst - nowMs), default(RatePermit));
            }
            await connection.ExecuteAsync(transaction, "UPDATE rate_limits SET tat = @t, interval_ms = @i, granted = @n WHERE limit_key = @k",
                cancellationToken, ("@t", tat + interval), ("@i", interval), ("@n", granted + 1), ("@k", key)).ConfigureAwait(false);
            return ((TimeSpan?)null, new RatePermit(rowGeneration, granted + 1));
        }, cancellationToken);
    }

    /// <summary>
    /// Gives back a permit <see cref="TryAcquirePermitAsync"/> granted, for a request that turned out not to need it (a
    /// registration that made no account), unless it came back by itself already.
    /// </summary>
    /// <param name="key">The key the permit was taken for.</param>
    /// <param name="permits">The same permits per window the permit was taken with.</param>
    /// <param name="window">The same window.</param>
    /// <param name="permit">The permit, as <see cref="TryAcquirePermitAsync"/> granted it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once the permit is back, or is known to have come back by itself.</returns>
    internal Task ReleaseAsync(string key, int permits, TimeSpan window, RatePermit permit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        long interval = Math.Max(1, (long)window.TotalMilliseconds / permits);
        // One interval off the arrival time undoes one grant, whatever others were granted since, as long as the permit has
        // not come back by itself. A permit whose time passed is back already: taking an interval off then would count a
        // grant the row never made, one permit too many — after the row's arrival time fell behind now and a later grant
        // restarted it, or after maintenance deleted the row and a new one counted on (SECURITY.md, attack review 21; the
        // generation keeps a give-back to the row that granted it).
        // When it comes back is read from the row as it is now, in the interval the row is counted in now: the permits
        // granted after this one come back after it, so it is back once the arrival time less their intervals is not ahead
        // of now. Kept as a time at the grant, it stayed in the grant's interval after another limit's request rescaled the
        // row: a raised limit brought the permit back sooner and the give-back then took a later grant's interval (one
        // permit too many); a lowered one brought it back later and the give-back was skipped (one too few). A give-back
        // of the latest grant takes one off the count as it takes an interval off the arrival time, so without a rescale each permit's time
        // reads as the kept time did (or as back, after the row restarted from now).
        // The count goes down only for the row's latest grant. Given back out of order (an earlier permit while later ones
        // are still counted), the later ones move up an interval with the arrival time, so their count of grants after them
        // must stay: taken off, it left the latest permit counted above the row's count, read one interval late, and after a
        // restart from now read as still counted, and its give-back took an interval off a new grant (one permit too many).
        // Kept, the permits before the given-back one read an interval early instead: their give-back may be skipped (one
        // permit too few, never one too many). The count stays at least the place of every permit still counted, so a
        // restart reads all of them as back.
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
            "UPDATE rate_limits SET tat = tat - CASE WHEN interval_ms > 0 THEN interval_ms ELSE @i END, granted = granted - CASE WHEN granted = @n THEN 1 ELSE 0 END " +
            "WHERE limit_key = @k AND generation = @g AND tat - (granted - @n) * CASE WHEN interval_ms > 0 THEN interval_ms ELSE @i END > @now",
            cancellationToken, ("@i", interval), ("@k", key), ("@g", permit.Generation), ("@n", permit.Granted), ("@now", nowMs)),
            cancellationToken);
    }

    /// <summary>
    /// <paramref name="pendingMs"/> (TAT − now) counted in <paramref name="fromInterval"/>, restated in <paramref name="toInterval"/>:
    /// the same number of permits held. Rounded up, so a rescale never hands out a fraction of a permit.
    /// </summary>
    private static long Rescale(long pendingMs, long fromInterval, long toInterval)
    {
        var scaled = ((Int128)pendingMs * toInterval + fromInterval - 1) / fromInterval;
        return scaled > long.MaxValue / 2 ? long.MaxValue / 2 : (long)scaled;
    }
}
