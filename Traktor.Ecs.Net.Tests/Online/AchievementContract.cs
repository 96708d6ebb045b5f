using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

public abstract class AchievementContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Unlocking_reports_the_first_unlock_once_and_lists_it()
    {
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("first-blood", "First Blood", "Win a duel"), Cancel);
        var first = await online.Achievements.UnlockAchievementAsync("first-blood", 3, Cancel);
        Assert.True(first.NewlyUnlocked);
        Assert.True(first.Status.Unlocked);
        Assert.Equal(OnlineTestSettings.Start, first.Status.UnlockedAt);
        online.Time.Advance(TimeSpan.FromMinutes(5));
        var again = await online.Achievements.UnlockAchievementAsync("first-blood", 3, Cancel);
        Assert.False(again.NewlyUnlocked);
        Assert.Equal(OnlineTestSettings.Start, again.Status.UnlockedAt);

        var list = await online.Achievements.GetAchievementsAsync(3, Cancel);
        Assert.Equal("first-blood", Assert.Single(list).Id);
        Assert.True(list[0].Unlocked);
        Assert.False((await online.Achievements.GetAchievementsAsync(4, Cancel))[0].Unlocked);
    }

    [Fact]
    public async Task Progress_accumulates_to_the_threshold_and_unlocks_there()
    {
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("collector", "Collector", "Collect 10 gems", Threshold: 10), Cancel);
        Assert.Equal(3, (await online.Achievements.AddAchievementProgressAsync("collector", 8, 3, Cancel)).Status.Progress);
        var seven = await online.Achievements.AddAchievementProgressAsync("collector", 8, 4, Cancel);
        Assert.Equal(7, seven.Status.Progress);
        Assert.False(seven.Status.Unlocked);
        var done = await online.Achievements.AddAchievementProgressAsync("collector", 8, 5, Cancel);
        Assert.True(done.NewlyUnlocked);
        Assert.Equal(10, done.Status.Progress);
        var after = await online.Achievements.AddAchievementProgressAsync("collector", 8, long.MaxValue, Cancel);
        Assert.False(after.NewlyUnlocked);
        Assert.Equal(10, after.Status.Progress);

        var huge = await online.Achievements.AddAchievementProgressAsync("collector", 9, long.MaxValue, Cancel);
        Assert.True(huge.NewlyUnlocked);
        Assert.Equal(10, huge.Status.Progress);
    }

    [Fact]
    public async Task Bad_achievement_calls_are_typed_errors()
    {
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("a", "A"), Cancel);
        await AssertErrorAsync(OnlineError.NotFound, () => online.Achievements.UnlockAchievementAsync("missing", 1, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.AddAchievementProgressAsync("a", 1, 0, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.UnlockAchievementAsync("a", -5, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.DefineAchievementAsync(new AchievementDefinition("b", "B", Threshold: 0), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.DefineAchievementAsync(new AchievementDefinition("c", ""), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.DefineAchievementAsync(new AchievementDefinition("d/e", "D"), Cancel));
    }

    [Fact]
    public async Task Definitions_with_flags_and_injection_strings_list_verbatim_in_id_order()
    {
        await using var online = await StartAsync();
        string name = "Robert'); DROP TABLE achievements;--";
        string description = "' OR 1=1; -- \"quoted\" \\ 100% _";
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("zeta", "Zeta"), Cancel);
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("Alpha", name, description, Hidden: true, ServerOnly: true), Cancel);
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("beta", "Beta", Threshold: 3), Cancel);
        var list = await online.Achievements.GetAchievementsAsync(1, Cancel);
        Assert.Equal(["Alpha", "beta", "zeta"], list.Select(a => a.Id));
        Assert.Equal(name, list[0].Name);
        Assert.Equal(description, list[0].Description);
        Assert.True(list[0].Hidden);
        Assert.True(list[0].ServerOnly);
        Assert.Equal(3, list[1].Threshold);
        Assert.Equal(0, list[1].Progress);
    }

    [Fact]
    public async Task Progress_with_an_idempotency_key_counts_once_and_a_different_amount_under_it_is_refused()
    {
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("marathon", "Marathon", Threshold: 10), Cancel);
        var first = await online.Achievements.AddAchievementProgressAsync("marathon", 3, 4, "run-1", Cancel);
        Assert.Equal(4, first.Status.Progress);
        Assert.False(first.Replayed);
        var retry = await online.Achievements.AddAchievementProgressAsync("marathon", 3, 4, "run-1", Cancel);
        Assert.True(retry.Replayed);
        Assert.Equal(4, retry.Status.Progress);
        var reused = await AssertErrorAsync(OnlineError.Conflict, () => online.Achievements.AddAchievementProgressAsync("marathon", 3, 5, "run-1", Cancel));
        Assert.Equal(OnlineProblemTypes.IdempotencyKeyReused, reused.ProblemType);
        // The key belongs to one player: another player's "run-1" is their own.
        Assert.Equal(4, (await online.Achievements.AddAchievementProgressAsync("marathon", 4, 4, "run-1", Cancel)).Status.Progress);
        var done = await online.Achievements.AddAchievementProgressAsync("marathon", 3, 6, "run-2", Cancel);
        Assert.True(done.NewlyUnlocked);
        Assert.False((await online.Achievements.AddAchievementProgressAsync("marathon", 3, 6, "run-2", Cancel)).NewlyUnlocked);
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Achievements.AddAchievementProgressAsync("marathon", 3, 1, "", Cancel));
    }

    [Fact]
    public async Task A_player_sending_a_fresh_key_every_time_keeps_only_its_newest_keys_on_an_achievement()
    {
        // Attack review 18: as on leaderboards, every new key was a row kept for 30 days.
        const int keep = OnlineTestSettings.MaxIdempotencyKeysPerPlayer;
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("grind", "Grind", Threshold: 1_000_000), Cancel);
        await online.Achievements.AddAchievementProgressAsync("grind", 4, 1, "run-0", Cancel);
        for (int i = 0; i < 10 * keep; i++)
        {
            await online.Achievements.AddAchievementProgressAsync("grind", 3, 1, $"run-{i}", Cancel);
            online.Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        if (online.Embedded is { } services)
        {
            long held = await services.Database.ReadAsync(connection => connection.ScalarAsync<long>(null,
                "SELECT COUNT(*) FROM achievement_requests WHERE achievement_id = 'grind' AND user_id = 3", Cancel), Cancel);
            Assert.Equal(keep, held);
        }
        var newest = await online.Achievements.AddAchievementProgressAsync("grind", 3, 1, $"run-{10 * keep - 1}", Cancel);
        Assert.True(newest.Replayed);
        Assert.Equal(10 * keep, newest.Status.Progress);
        var forgotten = await online.Achievements.AddAchievementProgressAsync("grind", 3, 1, "run-0", Cancel);
        Assert.False(forgotten.Replayed);
        Assert.Equal(10 * keep + 1, forgotten.Status.Progress);
        Assert.True((await online.Achievements.AddAchievementProgressAsync("grind", 4, 1, "run-0", Cancel)).Replayed);
    }

    [Fact]
    public async Task Concurrent_fresh_keys_never_leave_a_player_more_than_the_bound_on_an_achievement()
    {
        // Attack review 19: as on leaderboards, concurrent requests each counted without the others' uncommitted keys.
        const int keep = OnlineTestSettings.MaxIdempotencyKeysPerPlayer;
        await using var online = await StartAsync();
        await online.Achievements.DefineAchievementAsync(new AchievementDefinition("race", "Race", Threshold: 1_000_000), Cancel);
        for (int round = 0; round < 6; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 2 * keep).Select(i => Task.Run(() =>
                online.Achievements.AddAchievementProgressAsync("race", 5, 1, $"r{round}-{i}", Cancel))));
            if (online.Embedded is { } services)
            {
                long held = await services.Database.ReadAsync(connection => connection.ScalarAsync<long>(null,
                    "SELECT COUNT(*) FROM achievement_requests WHERE achievement_id = 'race' AND user_id = 5", Cancel), Cancel);
                Assert.True(held <= keep, $"round {round}: {held} keys held, the bound is {keep}");
            }
        }
        var last = await online.Achievements.AddAchievementProgressAsync("race", 5, 1, "last", Cancel);
        Assert.False(last.Replayed);
        Assert.Equal(6 * 2 * keep + 1, last.Status.Progress);
    }
}
