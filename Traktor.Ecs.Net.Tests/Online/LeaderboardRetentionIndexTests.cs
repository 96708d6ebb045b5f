using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Retention finds a board's old idempotency keys through <c>ix_leaderboard_submissions_period</c> (board, period). Before
/// (migration 13), the keys' only indexes were the primary key (board, user, key) and their creation time, so every batch of
/// every resetting board read all of the board's keys to find the old ones: 20,000 players meant 20,000 rows read per batch.
/// </summary>
public sealed class LeaderboardRetentionIndexTests
{
    private const int CurrentKeys = 20_000;
    private const int OldKeys = 100;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_SQLite_the_retention_batch_finds_old_keys_through_the_period_index() =>
        Assert.Contains("ix_leaderboard_submissions_period", await PlanAsync(new SqliteHarness(), "EXPLAIN QUERY PLAN", detailColumn: 3));

    [Fact]
    public async Task On_PostgreSQL_the_retention_batch_finds_old_keys_through_the_period_index() =>
        Assert.Contains("ix_leaderboard_submissions_period", await PlanAsync(new PostgresHarness(), "EXPLAIN", detailColumn: 0));

    /// <summary>The plan of one retention batch over a daily board with many keys today and a few in a period past retention.</summary>
    private static async Task<string> PlanAsync(IOnlineHarness harness, string explain, int detailColumn)
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        await using var online = await harness.StartAsync(time, new TestConnectTokenIssuer(time));
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("daily", ResetSchedule: "0 0 * * *"), Cancel);
        var database = online.Embedded!.Database;
        long today = new DateTimeOffset(OnlineTestSettings.Start.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
        long longAgo = today - (long)TimeSpan.FromDays(100).TotalMilliseconds;
        await database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO leaderboard_submissions (leaderboard_id, user_id, idempotency_key, period_start, created_at) " +
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count) " +
                "SELECT 'daily', i, 'key-' || i, CASE WHEN i <= @old THEN @longAgo ELSE @today END, @today FROM n",
                Cancel, ("@count", (long)(CurrentKeys + OldKeys)), ("@old", (long)OldKeys), ("@longAgo", longAgo), ("@today", today));
            await connection.ExecuteAsync(transaction, "ANALYZE", Cancel);
            return 0;
        }, Cancel);

        string sql = explain + " " + LeaderboardRetention.DeleteBatchSql("leaderboard_submissions", "idempotency_key", "user_id");
        var lines = await database.ReadAsync(connection => connection.QueryAsync(null, sql, reader => reader.GetValue(detailColumn).ToString()!, Cancel,
            ("@b", "daily"), ("@cut", today), ("@n", (long)LeaderboardRetention.BatchSize)), Cancel);
        string plan = string.Join(Environment.NewLine, lines);
        TestContext.Current.TestOutputHelper?.WriteLine(plan);
        return plan;
    }
}
