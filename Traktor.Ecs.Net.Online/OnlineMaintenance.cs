using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Deletes rows that can no longer matter, so the store does not grow without bound: expired refresh
/// tokens of sessions from before refresh tokens were kept in their session, sessions whose refresh token expired, stale login counters, spent shared rate limits, idempotency keys past their retention,
/// and the records of resetting leaderboards' periods older than <see cref="LeaderboardPastPeriodsKept"/>.
/// Each kind is deleted in short batches (<see cref="PruneBatchSize"/>), at most <see cref="MaxExpiredRowsPrunedPerRun"/> a run.
/// The backend runs it hourly; an embedding game may call <see cref="PruneAsync"/> at startup.
/// </summary>
public sealed class OnlineMaintenance
{
    private readonly OnlineDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the pruner.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where each run's counts are logged.</param>
    public OnlineMaintenance(OnlineDatabase database, TimeProvider? time = null, ILogger<OnlineMaintenance>? logger = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// How long an idempotency key is remembered. A submission replayed after this counts again, so keep it
    /// longer than any client retries (default 30 days).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less: every key would be forgotten at once.</exception>
    public TimeSpan IdempotencyKeyRetention
    {
        get;
        init => field = Positive(value, nameof(IdempotencyKeyRetention), "every idempotency key would be forgotten at each run");
    } = TimeSpan.FromDays(30);

    /// <summary>How long login-failure counters are kept after their window started, once no lockout is running (default 1 day).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less: failed-login counts would be wiped at each run.</exception>
    public TimeSpan LoginCounterRetention
    {
        get;
        init => field = Positive(value, nameof(LoginCounterRetention), "failed-login counts would be wiped at each run");
    } = TimeSpan.FromDays(1);

    /// <summary>The default of <see cref="LeaderboardPastPeriodsKept"/>.</summary>
    public const int DefaultLeaderboardPastPeriodsKept = 12;

    /// <summary>
    /// Past periods of a resetting leaderboard kept besides the current one (12 by default: a year of a monthly board, twelve
    /// weeks of a weekly one). Older periods' records, and the idempotency keys of scores sent in them, are deleted, so
    /// reading such a period answers an empty page. Boards that never reset are not touched. 0 keeps only the current period.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 0 (checked when set, so a bad setting stops startup, not the first run).</exception>
    public int LeaderboardPastPeriodsKept
    {
        get;
        init => field = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(LeaderboardPastPeriodsKept), value, "LeaderboardPastPeriodsKept must be 0 or more (0 keeps only the current period).");
    } = DefaultLeaderboardPastPeriodsKept;

    /// <summary>
    /// Leaderboard rows (records and their idempotency keys) one <see cref="PruneAsync"/> run deletes at most (100,000), in
    /// transactions of at most 1,000 rows each; the next run goes on where it stopped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public int MaxLeaderboardRowsPrunedPerRun
    {
        get;
        init => field = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxLeaderboardRowsPrunedPerRun), value, "MaxLeaderboardRowsPrunedPerRun must be 1 or more.");
    } = 100_000;

    /// <summary>Rows one delete statement of <see cref="PruneAsync"/> removes at most (each in its own short transaction).</summary>
    public static readonly int PruneBatchSize = 1000;

    /// <summary>
    /// Expired rows of each kind (refresh tokens, sessions, login counters, idempotency keys of each store, rate limits) one
    /// <see cref="PruneAsync"/> run deletes at most (100,000), in transactions of at most <see cref="PruneBatchSize"/> rows
    /// each; the next run goes on where it stopped. Bounds how long a run holds the store when a flood left millions of
    /// stale rows (a login counter per address tried, a rate-limit row per address).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public int MaxExpiredRowsPrunedPerRun
    {
        get;
        init => field = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxExpiredRowsPrunedPerRun), value, "MaxExpiredRowsPrunedPerRun must be 1 or more.");
    } = 100_000;

    private static TimeSpan Positive(TimeSpan value, string name, string why) => value > TimeSpan.Zero ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} must be more than zero ({why}).");

    /// <summary>Deletes what has expired.</summary>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>How many rows of each kind were deleted.</returns>
    public async Task<OnlinePruneReport> PruneAsync(CancellationToken cancellationToken = default)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long oldKeys = now - (long)IdempotencyKeyRetention.TotalMilliseconds;
        // Rows of refresh tokens issued before they were kept in their session.
        int refreshTokens = await DeleteInBatchesAsync("refresh_tokens", "token_hash", "expires_at <= @now", cancellationToken,
            ("@now", now)).ConfigureAwait(false);
        // A session whose refresh token has expired can only back expired access tokens (its expiry is its newest token's).
        int sessions = await DeleteInBatchesAsync("auth_sessions", "id",
            "refresh_expires_at <= @now AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = auth_sessions.id)",
            cancellationToken, ("@now", now)).ConfigureAwait(false);
        int loginCounters = await DeleteInBatchesAsync("login_throttle", "throttle_key",
            "window_start < @old AND locked_until <= @now AND known_good_until <= @now", cancellationToken,
            ("@old", now - (long)LoginCounterRetention.TotalMilliseconds), ("@now", now)).ConfigureAwait(false);
        int idempotencyKeys = await DeleteInBatchesAsync("leaderboard_submissions", "leaderboard_id, user_id, idempotency_key",
            "created_at < @old", cancellationToken, ("@old", oldKeys)).ConfigureAwait(false);
        idempotencyKeys += await DeleteInBatchesAsync("achievement_requests", "achievement_id, user_id, idempotency_key",
            "created_at < @old", cancellationToken, ("@old", oldKeys)).ConfigureAwait(false);
        // A limit whose theoretical arrival time has passed holds no state a fresh row would not.
        int rateLimits = await DeleteInBatchesAsync("rate_limits", "limit_key", "tat < @now", cancellationToken,
            ("@now", now)).ConfigureAwait(false);
        var report = new OnlinePruneReport(refreshTokens, sessions, loginCounters, idempotencyKeys, rateLimits);
        // Apart from the rest and in short batches: a board's past periods can hold millions of rows.
        var (records, keys) = await LeaderboardRetention.PruneAsync(_database, _time.GetUtcNow(), LeaderboardPastPeriodsKept, MaxLeaderboardRowsPrunedPerRun,
            cancellationToken).ConfigureAwait(false);
        report = report with { IdempotencyKeys = report.IdempotencyKeys + keys, LeaderboardRecords = records };
        _logger.LogInformation("Pruned {RefreshTokens} refresh tokens, {Sessions} sessions, {LoginCounters} login counters, {IdempotencyKeys} idempotency keys, {LeaderboardRecords} leaderboard records",
            report.RefreshTokens, report.Sessions, report.LoginCounters, report.IdempotencyKeys, report.LeaderboardRecords);
        return report;
    }

    /// <summary>
    /// Deletes the rows of <paramref name="table"/> that match <paramref name="condition"/>, <see cref="PruneBatchSize"/> a
    /// transaction, at most <see cref="MaxExpiredRowsPrunedPerRun"/> in all. The batch is picked by its primary key
    /// (<paramref name="keyColumns"/>; a row-value IN works on SQLite and PostgreSQL alike) and the condition is checked
    /// again on each row deleted: on PostgreSQL a row another transaction counted on while the batch waited for its lock
    /// is re-checked as it is now, and kept (a login counter or a rate limit a request just made fresh).
    /// </summary>
    private async Task<int> DeleteInBatchesAsync(string table, string keyColumns, string condition, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        string sql = $"DELETE FROM {table} WHERE ({keyColumns}) IN (SELECT {keyColumns} FROM {table} WHERE {condition} LIMIT @n) AND {condition}";
        int deleted = 0;
        while (deleted < MaxExpiredRowsPrunedPerRun)
        {
            int batch = Math.Min(PruneBatchSize, MaxExpiredRowsPrunedPerRun - deleted);
            int count = await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction, sql, cancellationToken,
                [.. parameters, ("@n", (long)batch)]), cancellationToken).ConfigureAwait(false);
            deleted += count;
            if (count < batch)
            {
                break;
            }
        }
        return deleted;
    }
}
