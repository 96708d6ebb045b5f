using Traktor.Ecs.Net.Online;

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
