using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

public abstract class MaintenanceContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Pruning_removes_only_what_has_expired()
    {
        await using var online = await StartAsync(seedUsers: 1);
        var maintenance = online.Embedded!.Maintenance;
        await online.Authentication.RegisterAsync("ann", Password, Cancel);
        await online.Authentication.RegisterAsync("bob", Password, Cancel);
        var abandoned = await online.Authentication.LoginAsync("ann", Password, Cancel);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("bob", "wrong password", Cancel));
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("p", Operator: LeaderboardOperator.Increment), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("p", 1, 1, "old-key"), Cancel);

        Assert.Equal(new OnlinePruneReport(0, 0, 0, 0), await maintenance.PruneAsync(Cancel));

        // Day 29: ann logs in again. Day 31: the day-0 session's refresh token has expired, bob's failure
        // counters (for the account from this address, the address, the account) are stale, ann's known-good address
        // is not, and the day-0 idempotency key is past its 30 days.
        online.Time.Advance(TimeSpan.FromDays(29));
        var kept = await online.Authentication.LoginAsync("ann", Password, Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("p", 1, 1, "new-key"), Cancel);
        online.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(new OnlinePruneReport(RefreshTokens: 0, Sessions: 1, LoginCounters: 3, IdempotencyKeys: 1), await maintenance.PruneAsync(Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(abandoned.RefreshToken, Cancel));
        var refreshed = await online.Authentication.RefreshAsync(kept.RefreshToken, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(refreshed.AccessToken, Cancel);

        // Within retention a replay still counts once; past it the key is forgotten and counts again.
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("p", 1, 1, "new-key"), Cancel)).Replayed);
        var again = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("p", 1, 1, "old-key"), Cancel);
        Assert.False(again.Replayed);
        Assert.Equal(3, again.Entry.Score);
        online.Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(2, (await maintenance.PruneAsync(Cancel)).IdempotencyKeys);
    }
}

public sealed class SqliteMaintenanceTests : MaintenanceContract<SqliteHarness>;
public sealed class PostgresMaintenanceTests : MaintenanceContract<PostgresHarness>;

/// <summary>
/// Maintenance deletes expired rows in batches of <see cref="OnlineMaintenance.PruneBatchSize"/>, at most
/// <see cref="OnlineMaintenance.MaxExpiredRowsPrunedPerRun"/> of a kind a run (attack review 23). Before, each kind was one
/// unbounded DELETE in one transaction with all the others: a flood's millions of stale login counters and rate-limit
/// rows (one per address tried) held the store's write lock (SQLite) or the rows' locks (PostgreSQL) for the whole run
/// (failed before: the first run deleted all 2,500 of each kind).
/// </summary>
public abstract class MaintenanceBatchContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    private const int Stale = 2_500;

    [Fact]
    public async Task A_run_deletes_at_most_its_budget_of_each_kind_in_batches_and_the_next_runs_go_on_to_the_end()
    {
        await using var online = await StartAsync();
        var database = online.Embedded!.Database;
        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long old = now - (long)TimeSpan.FromDays(2).TotalMilliseconds;
        await database.WriteAsync(async (connection, transaction) =>
        {
            string numbers = $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Stale}) ";
            await connection.ExecuteAsync(transaction, numbers +
                "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until, known_good_until) " +
                $"SELECT 'addr:stale' || i, 1, {old}, 0, 0 FROM n", Cancel);
            await connection.ExecuteAsync(transaction, numbers +
                $"INSERT INTO rate_limits (limit_key, tat, generation) SELECT 'auth:stale' || i, {old}, 1 FROM n", Cancel);
            await connection.ExecuteAsync(transaction,
                "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until, known_good_until) " +
                $"VALUES ('addr:fresh', 1, {now}, 0, 0)", Cancel);
            return await connection.ExecuteAsync(transaction,
                $"INSERT INTO rate_limits (limit_key, tat, generation) VALUES ('auth:fresh', {now + 60_000}, 1)", Cancel);
        }, Cancel);

        // 1,200 a run: a full batch of 1,000, then one of 200.
        var maintenance = new OnlineMaintenance(database, online.Time) { MaxExpiredRowsPrunedPerRun = 1_200 };
        var runs = new List<(int LoginCounters, int RateLimits)>();
        for (int i = 0; i < 3; i++)
        {
            var report = await maintenance.PruneAsync(Cancel);
            runs.Add((report.LoginCounters, report.RateLimits));
        }

        Assert.Equal([(1_200, 1_200), (1_200, 1_200), (100, 100)], runs);
        Assert.Equal(["addr:fresh"], await KeysAsync(database, "SELECT throttle_key FROM login_throttle"));
        Assert.Equal(["auth:fresh"], await KeysAsync(database, "SELECT limit_key FROM rate_limits"));
    }

    private static Task<List<string>> KeysAsync(OnlineDatabase database, string sql) =>
        database.ReadAsync(connection => connection.QueryAsync(null, sql, reader => reader.GetString(0), Cancel), Cancel);
}

public sealed class SqliteMaintenanceBatchTests : MaintenanceBatchContract<SqliteHarness>;
public sealed class PostgresMaintenanceBatchTests : MaintenanceBatchContract<PostgresHarness>;
