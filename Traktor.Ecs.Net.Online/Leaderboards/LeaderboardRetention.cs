using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Leaderboards;

/// <summary>
/// Deletes the records of resetting leaderboards' periods older than the kept ones, and the idempotency keys that point
/// at them, in short transactions of at most <see cref="BatchSize"/> rows each and at most a given number of rows a run
/// (the next run goes on where this one stopped). Without it every past period would stay forever: a daily board of
/// 10,000 players grows by 10,000 rows a day.
/// </summary>
internal static class LeaderboardRetention
{
    /// <summary>Rows one statement deletes at most, so no transaction holds its locks for long.</summary>
    public const int BatchSize = 1000;

    /// <summary>Prunes every resetting board.</summary>
    /// <param name="database">The store.</param>
    /// <param name="now">The time that decides each board's current period.</param>
    /// <param name="pastPeriodsKept">Past periods kept besides the current one.</param>
    /// <param name="maxRows">Rows this run deletes at most, records and keys together.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The records and the idempotency keys deleted.</returns>
    public static async Task<(int Records, int Keys)> PruneAsync(OnlineDatabase database, DateTimeOffset now, int pastPeriodsKept, int maxRows,
        CancellationToken cancellationToken)
    {
        var boards = await database.ReadAsync(connection => connection.QueryAsync(null,
            "SELECT id, reset_schedule FROM leaderboards WHERE reset_schedule IS NOT NULL ORDER BY id",
            reader => (Id: reader.GetString(0), Schedule: reader.GetString(1)), cancellationToken), cancellationToken).ConfigureAwait(false);
        int records = 0, keys = 0;
        foreach (var (id, schedule) in boards)
        {
            if (OldestKeptPeriod(schedule, now, pastPeriodsKept) is not { } oldestKept)
            {
                continue;
            }
            long cutoff = oldestKept.ToUnixTimeMilliseconds();
            // Keys first: a key whose record is gone would replay a score that no longer exists.
            keys += await DeleteBatchesAsync(database, "leaderboard_submissions", "idempotency_key", "user_id", id, cutoff,
                maxRows - records - keys, cancellationToken).ConfigureAwait(false);
            records += await DeleteBatchesAsync(database, "leaderboard_records", "period_start", "user_id", id, cutoff,
                maxRows - records - keys, cancellationToken).ConfigureAwait(false);
            if (records + keys >= maxRows)
            {
                break;
            }
        }
        return (records, keys);
    }

    /// <summary>The start of the oldest period kept: the current period's, stepped back <paramref name="pastPeriodsKept"/> times; null when there is none that far back.</summary>
    internal static DateTimeOffset? OldestKeptPeriod(string schedule, DateTimeOffset now, int pastPeriodsKept)
    {
        var cron = CronSchedule.Parse(schedule);
        DateTimeOffset? start = cron.TryGetPreviousOccurrence(now);
        for (int i = 0; i < pastPeriodsKept && start is { } current; i++)
        {
            start = cron.TryGetPreviousOccurrence(current.AddMinutes(-1));
        }
        return start;
    }

    /// <summary>
    /// One batch's delete (parameters <c>@b</c> board, <c>@cut</c> oldest kept period, <c>@n</c> rows at most). The rows are
    /// found through an index on (board, period) (the records' primary key, the keys' <c>ix_leaderboard_submissions_period</c>)
    /// and deleted through the primary key; a row-value IN works on SQLite and PostgreSQL alike.
    /// </summary>
    internal static string DeleteBatchSql(string table, string keyColumn, string userColumn) =>
        $"DELETE FROM {table} WHERE leaderboard_id = @b AND ({keyColumn}, {userColumn}) IN " +
        $"(SELECT {keyColumn}, {userColumn} FROM {table} WHERE leaderboard_id = @b AND period_start < @cut LIMIT @n)";

    private static async Task<int> DeleteBatchesAsync(OnlineDatabase database, string table, string keyColumn, string userColumn, string boardId, long cutoff,
        int budget, CancellationToken cancellationToken)
    {
        int deleted = 0;
        while (budget - deleted > 0)
        {
            int batch = Math.Min(BatchSize, budget - deleted);
            int count = await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
                DeleteBatchSql(table, keyColumn, userColumn), cancellationToken, ("@b", boardId), ("@cut", cutoff), ("@n", (long)batch)),
                cancellationToken).ConfigureAwait(false);
            deleted += count;
            if (count < batch)
            {
                break;
            }
        }
        return deleted;
    }
}
