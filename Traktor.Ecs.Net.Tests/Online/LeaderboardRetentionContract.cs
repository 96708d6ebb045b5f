using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Past periods of resetting boards are kept for <see cref="OnlineMaintenance.LeaderboardPastPeriodsKept"/> (12) periods
/// and pruned after in bounded batches. Before, every period's records stayed forever.
/// </summary>
public abstract class LeaderboardRetentionContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    private static readonly DateTimeOffset Day0 = new(OnlineTestSettings.Start.Date, TimeSpan.Zero);

    [Fact]
    public async Task A_daily_board_keeps_the_current_day_and_twelve_past_days_and_never_resetting_boards_keep_everything()
    {
        await using var online = await StartAsync(seedUsers: 2);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("daily", ResetSchedule: "0 0 * * *"), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("forever"), Cancel);
        for (int day = 0; day <= 13; day++)
        {
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 1, 100 + day, $"day-{day}"), Cancel);
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 2, 200 + day), Cancel);
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("forever", 1, day, $"forever-{day}"), Cancel);
            if (day < 13)
            {
                online.Time.Advance(TimeSpan.FromDays(1));
            }
        }

        // Day 13: days 1 to 12 are the twelve past periods kept; day 0's two records and its one key go.
        var report = await online.Embedded!.Maintenance.PruneAsync(Cancel);
        Assert.Equal(2, report.LeaderboardRecords);
        Assert.Equal(1, report.IdempotencyKeys);
        var periods = await online.Leaderboards.GetPeriodsAsync("daily", 100, Cancel);
        Assert.Equal(Enumerable.Range(1, 13).Reverse().Select(day => Day0.AddDays(day)), periods);
        var gone = await online.Leaderboards.GetLeaderboardAsync("daily", periodStart: Day0, cancellationToken: Cancel);
        Assert.Empty(gone.Entries);
        var kept = await online.Leaderboards.GetLeaderboardAsync("daily", periodStart: Day0.AddDays(1), cancellationToken: Cancel);
        Assert.Equal([201L, 101L], kept.Entries.Select(entry => entry.Score));
        Assert.Equal(13, (await online.Leaderboards.GetLeaderboardAsync("forever", cancellationToken: Cancel)).Entries.Single().Score);
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("forever", 1, 0, "forever-0"), Cancel)).Replayed);
        Assert.Equal(0, (await online.Embedded.Maintenance.PruneAsync(Cancel)).LeaderboardRecords);

        // The pruned period's key is forgotten with its record: sent again, it counts in today's period (no error).
        var again = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 1, 100, "day-0"), Cancel);
        Assert.False(again.Replayed);
        Assert.Equal(Day0.AddDays(13), again.PeriodStart);
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 1, 101, "day-1"), Cancel)).Replayed);
    }

    [Fact]
    public async Task A_run_deletes_at_most_its_budget_of_rows_and_the_next_run_goes_on()
    {
        await using var online = await StartAsync(seedUsers: 5);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("hourly", ResetSchedule: "0 * * * *"), Cancel);
        for (long user = 1; user <= 5; user++)
        {
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("hourly", user, user), Cancel);
        }
        online.Time.Advance(TimeSpan.FromHours(2));
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("hourly", 1, 7), Cancel);
        var maintenance = new OnlineMaintenance(online.Embedded!.Database, online.Time) { LeaderboardPastPeriodsKept = 1, MaxLeaderboardRowsPrunedPerRun = 3 };

        Assert.Equal(3, (await maintenance.PruneAsync(Cancel)).LeaderboardRecords);
        Assert.Equal(2, (await maintenance.PruneAsync(Cancel)).LeaderboardRecords);
        Assert.Equal(0, (await maintenance.PruneAsync(Cancel)).LeaderboardRecords);
        Assert.Equal([OnlineTestSettings.Start.AddHours(2)], await online.Leaderboards.GetPeriodsAsync("hourly", 10, Cancel));
    }
}

public sealed class SqliteLeaderboardRetentionTests : LeaderboardRetentionContract<SqliteHarness>;
public sealed class PostgresLeaderboardRetentionTests : LeaderboardRetentionContract<PostgresHarness>;
