using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

public abstract class LeaderboardContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task A_definition_round_trips_and_an_unknown_board_is_absent()
    {
        await using var online = await StartAsync();
        var definition = new LeaderboardDefinition("laps.track-1", LeaderboardSortOrder.Ascending, LeaderboardOperator.Best,
            "0 0 * * mon", Authoritative: true, MinScore: 1, MaxScore: 3_600_000, MaxChangePerSubmission: 60_000);
        await online.Leaderboards.DefineLeaderboardAsync(definition, Cancel);
        Assert.Equal(definition, await online.Leaderboards.GetLeaderboardDefinitionAsync("laps.track-1", Cancel));
        Assert.Null(await online.Leaderboards.GetLeaderboardDefinitionAsync("missing", Cancel));

        var redefined = definition with { Authoritative = false, ResetSchedule = null };
        await online.Leaderboards.DefineLeaderboardAsync(redefined, Cancel);
        Assert.Equal(redefined, await online.Leaderboards.GetLeaderboardDefinitionAsync("laps.track-1", Cancel));

        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.DefineLeaderboardAsync(definition with { ResetSchedule = "61 * * * *" }, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.DefineLeaderboardAsync(definition with { Id = "bad id" }, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.DefineLeaderboardAsync(definition with { MinScore = 10, MaxScore = 1 }, Cancel));
    }

    [Fact]
    public async Task Best_scores_rank_by_score_then_by_who_got_there_first_with_paging()
    {
        await using var online = await StartAsync();
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("points"), Cancel);
        var players = await RegisterPlayersAsync(online, 25);
        for (int i = 0; i < players.Length; i++)
        {
            // Players 0 and 1 tie on 100: player 0 got there first and ranks above.
            long score = i < 2 ? 100 : i;
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("points", players[i], score, Metadata: $"run {i}"), Cancel);
            online.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var worse = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("points", players[2], 1), Cancel);
        Assert.False(worse.Changed);
        Assert.Equal(2, worse.Entry.Score);

        var first = await online.Leaderboards.GetLeaderboardAsync("points", 0, 10, cancellationToken: Cancel);
        Assert.Equal(25, first.TotalCount);
        Assert.Equal(10, first.NextOffset);
        Assert.Equal([players[0], players[1], players[24], players[23]], first.Entries.Take(4).Select(e => e.UserId));
        Assert.Equal(Enumerable.Range(1, 10).Select(r => (long)r), first.Entries.Select(e => e.Rank));
        Assert.Equal("player0", first.Entries[0].Username);
        Assert.Equal("run 0", first.Entries[0].Metadata);
        var last = await online.Leaderboards.GetLeaderboardAsync("points", 20, 10, cancellationToken: Cancel);
        Assert.Null(last.NextOffset);
        Assert.Equal(5, last.Entries.Count);
        Assert.Equal(players[2], last.Entries[^1].UserId);
        Assert.Equal(25, last.Entries[^1].Rank);

        var rank = await online.Leaderboards.GetRankAsync("points", players[1], cancellationToken: Cancel);
        Assert.Equal(2, rank!.Rank);
        Assert.Null(await online.Leaderboards.GetRankAsync("points", 987654, cancellationToken: Cancel));
    }

    [Fact]
    public async Task Ascending_boards_rank_low_scores_first()
    {
        await using var online = await StartAsync(seedUsers: 2);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("lap", LeaderboardSortOrder.Ascending), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("lap", 1, 90_500), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("lap", 2, 88_000), Cancel);
        var improved = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("lap", 1, 87_000), Cancel);
        Assert.True(improved.Changed);
        Assert.Equal(1, improved.Entry.Rank);
        var slower = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("lap", 2, 99_000), Cancel);
        Assert.False(slower.Changed);
        var page = await online.Leaderboards.GetLeaderboardAsync("lap", cancellationToken: Cancel);
        Assert.Equal([87_000L, 88_000L], page.Entries.Select(e => e.Score));
        Assert.Equal("seed1", page.Entries[0].Username);
    }

    [Fact]
    public async Task Set_increment_and_decrement_operators_combine_as_named()
    {
        await using var online = await StartAsync(seedUsers: 7);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("set", Operator: LeaderboardOperator.Set), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("inc", Operator: LeaderboardOperator.Increment), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("dec", Operator: LeaderboardOperator.Decrement, MinScore: -100), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("set", 7, 50), Cancel);
        Assert.Equal(20, (await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("set", 7, 20), Cancel)).Entry.Score);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("inc", 7, 5), Cancel);
        Assert.Equal(12, (await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("inc", 7, 7), Cancel)).Entry.Score);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("dec", 7, 30), Cancel);
        Assert.Equal(-40, (await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("dec", 7, 10), Cancel)).Entry.Score);
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("dec", 7, 61), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("inc", 7, -1), Cancel));
    }

    [Fact]
    public async Task Submissions_outside_the_boards_bounds_are_refused()
    {
        await using var online = await StartAsync(seedUsers: 4);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("bounded", MinScore: 0, MaxScore: 1000, MaxChangePerSubmission: 100), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 3, 500), Cancel);
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 3, 601), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 4, 1001), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 4, -1), Cancel));
        Assert.Equal(600, (await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 3, 600), Cancel)).Entry.Score);
        await AssertErrorAsync(OnlineError.NotFound, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("nope", 3, 1), Cancel));
        await AssertErrorAsync(OnlineError.NotFound, () => online.Leaderboards.GetLeaderboardAsync("nope", cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("bounded", 0, 1), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAsync("bounded", 0, 101, cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAsync("bounded", -1, 10, cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_replayed_idempotency_key_counts_once()
    {
        await using var online = await StartAsync(seedUsers: 10);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("kills", Operator: LeaderboardOperator.Increment), Cancel);
        var first = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 9, 3, IdempotencyKey: "match-42"), Cancel);
        var replay = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 9, 3, IdempotencyKey: "match-42"), Cancel);
        var replayAgain = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 9, 3, IdempotencyKey: "match-42"), Cancel);
        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        Assert.True(replayAgain.Replayed);
        Assert.Equal(3, replayAgain.Entry.Score);
        var other = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 9, 3, IdempotencyKey: "match-43"), Cancel);
        Assert.Equal(6, other.Entry.Score);
        // Keys are per player: another player's identical key is a different submission.
        var someoneElse = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 10, 3, IdempotencyKey: "match-42"), Cancel);
        Assert.False(someoneElse.Replayed);
    }

    [Fact]
    public async Task A_player_sending_a_fresh_key_every_time_keeps_only_its_newest_keys_on_a_board()
    {
        // Attack review 18: every new key was a row kept for 30 days, so one player submitting with a fresh key at the
        // request budget grew the database by a row a request. Now the player's oldest key on the board goes.
        const int keep = OnlineTestSettings.MaxIdempotencyKeysPerPlayer;
        await using var online = await StartAsync(seedUsers: 2);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("kills", Operator: LeaderboardOperator.Increment), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("wins", Operator: LeaderboardOperator.Increment), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 2, 1, IdempotencyKey: "key-0"), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("wins", 1, 1, IdempotencyKey: "key-0"), Cancel);
        for (int i = 0; i < 10 * keep; i++)
        {
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 1, 1, IdempotencyKey: $"key-{i}"), Cancel);
            online.Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        if (await CountKeysAsync(online, "kills", 1) is { } held)
        {
            Assert.Equal(keep, held);
        }

        // The newest keys still count once.
        for (int i = 9 * keep; i < 10 * keep; i++)
        {
            var replay = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 1, 1, IdempotencyKey: $"key-{i}"), Cancel);
            Assert.True(replay.Replayed);
            Assert.Equal(10 * keep, replay.Entry.Score);
        }
        // The oldest is forgotten and counts again; another player's keys and the player's keys on another board stay.
        var forgotten = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 1, 1, IdempotencyKey: "key-0"), Cancel);
        Assert.False(forgotten.Replayed);
        Assert.Equal(10 * keep + 1, forgotten.Entry.Score);
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("kills", 2, 1, IdempotencyKey: "key-0"), Cancel)).Replayed);
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("wins", 1, 1, IdempotencyKey: "key-0"), Cancel)).Replayed);
        if (await CountKeysAsync(online, "kills", 1) is { } heldAfter)
        {
            Assert.Equal(keep, heldAfter);
        }
    }

    [Fact]
    public async Task The_key_just_recorded_is_never_the_one_forgotten_even_when_it_sorts_first()
    {
        // Review31: the trim ordered by (time, key), so with more than the bound in one millisecond (or a lagging node's
        // clock) the new key could sort first and be deleted in its own transaction: a retry of it counted again.
        const int keep = OnlineTestSettings.MaxIdempotencyKeysPerPlayer;
        await using var online = await StartAsync(seedUsers: 1);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("laps", Operator: LeaderboardOperator.Increment), Cancel);
        for (int i = keep; i >= 0; i--) // all in one millisecond, each new key sorting before the ones held
        {
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("laps", 1, 1, IdempotencyKey: $"lap-{i:D4}"), Cancel);
        }
        var retry = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("laps", 1, 1, IdempotencyKey: "lap-0000"), Cancel);
        Assert.True(retry.Replayed);
        Assert.Equal(keep + 1, retry.Entry.Score);
    }

    [Fact]
    public async Task Concurrent_fresh_keys_never_leave_a_player_more_than_the_bound()
    {
        // Attack review 19: the trim counted, then deleted; on PostgreSQL (read committed) submissions in flight at once
        // each counted without the others' uncommitted keys, so all skipped the trim and the player kept more than the bound.
        const int keep = OnlineTestSettings.MaxIdempotencyKeysPerPlayer;
        await using var online = await StartAsync(seedUsers: 1);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("race", Operator: LeaderboardOperator.Increment), Cancel);
        for (int round = 0; round < 6; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 2 * keep).Select(i => Task.Run(() =>
                online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("race", 1, 1, IdempotencyKey: $"r{round}-{i}"), Cancel))));
            if (await CountKeysAsync(online, "race", 1) is { } held)
            {
                Assert.True(held <= keep, $"round {round}: {held} keys held, the bound is {keep}");
            }
        }
        var entry = await online.Leaderboards.GetRankAsync("race", 1, cancellationToken: Cancel);
        Assert.Equal(6 * 2 * keep, entry!.Score);
    }

    /// <summary>The idempotency keys a player holds on a board, or null behind HTTP (the behaviour above is checked there).</summary>
    private static async Task<long?> CountKeysAsync(OnlineTestContext online, string board, long userId) =>
        online.Embedded is { } services
            ? await services.Database.ReadAsync(connection => connection.ScalarAsync<long>(null,
                "SELECT COUNT(*) FROM leaderboard_submissions WHERE leaderboard_id = @b AND user_id = @u", Cancel, ("@b", board), ("@u", userId)), Cancel)
            : null;

    [Fact]
    public async Task Around_a_player_returns_the_neighbours_in_rank_order()
    {
        await using var online = await StartAsync(seedUsers: 20);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("around"), Cancel);
        for (long user = 1; user <= 20; user++)
        {
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("around", user, 1000 - user), Cancel);
        }
        var middle = await online.Leaderboards.GetLeaderboardAroundPlayerAsync("around", 10, 2, cancellationToken: Cancel);
        Assert.Equal([8L, 9, 10, 11, 12], middle.Select(e => e.UserId));
        Assert.Equal([8L, 9, 10, 11, 12], middle.Select(e => e.Rank));
        var top = await online.Leaderboards.GetLeaderboardAroundPlayerAsync("around", 1, 3, cancellationToken: Cancel);
        Assert.Equal([1L, 2, 3, 4], top.Select(e => e.UserId));
        var bottom = await online.Leaderboards.GetLeaderboardAroundPlayerAsync("around", 20, 3, cancellationToken: Cancel);
        Assert.Equal([17L, 18, 19, 20], bottom.Select(e => e.UserId));
        Assert.Empty(await online.Leaderboards.GetLeaderboardAroundPlayerAsync("around", 99, 3, cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAroundPlayerAsync("around", 10, 51, cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_cron_reset_starts_a_new_period_and_past_periods_stay_readable()
    {
        await using var online = await StartAsync(seedUsers: 2);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("daily", ResetSchedule: "0 0 * * *"), Cancel);
        var monday = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 1, 10), Cancel);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero), monday.PeriodStart);

        online.Time.Advance(TimeSpan.FromHours(12)); // midnight: a new day, a new period
        var tuesday = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily", 2, 5), Cancel);
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero), tuesday.PeriodStart);
        Assert.Equal(1, tuesday.Entry.Rank);

        var periods = await online.Leaderboards.GetPeriodsAsync("daily", 10, Cancel);
        Assert.Equal([tuesday.PeriodStart, monday.PeriodStart], periods);
        var current = await online.Leaderboards.GetLeaderboardAsync("daily", cancellationToken: Cancel);
        Assert.Equal([2L], current.Entries.Select(e => e.UserId));
        var past = await online.Leaderboards.GetLeaderboardAsync("daily", periodStart: monday.PeriodStart, cancellationToken: Cancel);
        Assert.Equal([1L], past.Entries.Select(e => e.UserId));
        Assert.Equal(10, (await online.Leaderboards.GetRankAsync("daily", 1, monday.PeriodStart, Cancel))!.Score);
        Assert.Null(await online.Leaderboards.GetRankAsync("daily", 1, cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_thousand_concurrent_submissions_give_exactly_the_expected_board()
    {
        await using var online = await StartAsync(seedUsers: 50);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("best"), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("total", Operator: LeaderboardOperator.Increment), Cancel);
        const int players = 50, perPlayer = 10;
        var random = new Random(1234);
        var scores = new long[players, perPlayer];
        for (int p = 0; p < players; p++)
        {
            for (int s = 0; s < perPlayer; s++)
            {
                scores[p, s] = random.Next(0, 1_000_000);
            }
        }
        // 500 to each board, all in flight at once; every "total" submission carries a key and 50 of them are sent twice.
        var submissions = new List<Task>();
        for (int p = 0; p < players; p++)
        {
            for (int s = 0; s < perPlayer; s++)
            {
                long user = p + 1, score = scores[p, s], amount = s + 1;
                submissions.Add(Task.Run(() => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("best", user, score), Cancel)));
                string key = $"{user}-{s}";
                submissions.Add(Task.Run(() => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("total", user, amount, key), Cancel)));
                if (s == 0)
                {
                    submissions.Add(Task.Run(() => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("total", user, amount, key), Cancel)));
                }
            }
        }
        await Task.WhenAll(submissions);

        var best = await online.Leaderboards.GetLeaderboardAsync("best", 0, players, cancellationToken: Cancel);
        var expectedBest = Enumerable.Range(0, players).Select(p => (User: (long)p + 1, Score: Enumerable.Range(0, perPlayer).Max(s => scores[p, s])))
            .OrderByDescending(e => e.Score).ToList();
        Assert.Equal(players, best.TotalCount);
        Assert.Equal(expectedBest.Select(e => e.Score), best.Entries.Select(e => e.Score));
        Assert.Equal(expectedBest.Select(e => e.User).Order(), best.Entries.Select(e => e.UserId).Order());
        var total = await online.Leaderboards.GetLeaderboardAsync("total", 0, players, cancellationToken: Cancel);
        Assert.Equal(players, total.Entries.Count);
        Assert.All(total.Entries, entry => Assert.Equal(perPlayer * (perPlayer + 1) / 2, entry.Score));
    }

    [Fact]
    public async Task Sql_injection_strings_in_metadata_are_returned_verbatim()
    {
        await using var online = await StartAsync(seedUsers: 5);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("meta", Operator: LeaderboardOperator.Set), Cancel);
        string metadata = "x'); DROP TABLE leaderboard_records; -- \" \\ % _ \n\t ünïcødé";
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("meta", 5, 1, "'; DELETE FROM leaderboards; --", metadata), Cancel);
        var entry = (await online.Leaderboards.GetLeaderboardAsync("meta", cancellationToken: Cancel)).Entries.Single();
        Assert.Equal(metadata, entry.Metadata);
        var replay = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("meta", 5, 1, "'; DELETE FROM leaderboards; --", metadata), Cancel);
        Assert.True(replay.Replayed);
    }

    [Fact]
    public async Task A_board_that_holds_scores_keeps_its_ranking_rules()
    {
        await using var online = await StartAsync(seedUsers: 2);
        var board = new LeaderboardDefinition("fixed", MaxScore: 1000);
        await online.Leaderboards.DefineLeaderboardAsync(board, Cancel);
        // Before any score everything may change.
        await online.Leaderboards.DefineLeaderboardAsync(board with { SortOrder = LeaderboardSortOrder.Ascending }, Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(board, Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("fixed", 1, 10), Cancel);
        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("fixed", 2, 20), Cancel);

        foreach (var change in new[]
        {
            board with { SortOrder = LeaderboardSortOrder.Ascending }, board with { Operator = LeaderboardOperator.Set },
            board with { ResetSchedule = "0 0 * * *" }, board with { MinScore = 15 }, board with { MaxScore = 5000 },
        })
        {
            await AssertErrorAsync(OnlineError.Conflict, () => online.Leaderboards.DefineLeaderboardAsync(change, Cancel));
        }
        // The same definition again, and rules about future submissions only, are fine.
        await online.Leaderboards.DefineLeaderboardAsync(board, Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(board with { Authoritative = true, MaxChangePerSubmission = 50 }, Cancel);
        Assert.Equal(board with { Authoritative = true, MaxChangePerSubmission = 50 }, await online.Leaderboards.GetLeaderboardDefinitionAsync("fixed", Cancel));
        var page = await online.Leaderboards.GetLeaderboardAsync("fixed", cancellationToken: Cancel);
        Assert.Equal([2L, 1L], page.Entries.Select(e => e.UserId));
    }

    [Fact]
    public async Task A_period_that_is_not_a_period_start_is_invalid_not_empty()
    {
        await using var online = await StartAsync(seedUsers: 1);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("daily-p", ResetSchedule: "0 0 * * *"), Cancel);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("forever"), Cancel);
        var submitted = await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("daily-p", 1, 5), Cancel);
        var start = submitted.PeriodStart;
        Assert.Single((await online.Leaderboards.GetLeaderboardAsync("daily-p", periodStart: start, cancellationToken: Cancel)).Entries);
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAsync("daily-p", periodStart: start.AddHours(1), cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetRankAsync("daily-p", 1, start.AddMinutes(1), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAroundPlayerAsync("daily-p", 1, 5, start.AddDays(-0.5), Cancel));
        Assert.Empty((await online.Leaderboards.GetLeaderboardAsync("forever", periodStart: DateTimeOffset.UnixEpoch, cancellationToken: Cancel)).Entries);
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Leaderboards.GetLeaderboardAsync("forever", periodStart: start, cancellationToken: Cancel));
    }

    [Fact]
    public async Task Scores_need_an_account_and_a_reused_idempotency_key_must_repeat_the_same_score()
    {
        await using var online = await StartAsync(seedUsers: 1);
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("real", Operator: LeaderboardOperator.Increment), Cancel);
        await AssertErrorAsync(OnlineError.NotFound, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("real", 4242, 1), Cancel));
        Assert.Empty((await online.Leaderboards.GetLeaderboardAsync("real", cancellationToken: Cancel)).Entries);

        await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("real", 1, 5, IdempotencyKey: "match-1", Metadata: "won"), Cancel);
        Assert.True((await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("real", 1, 5, IdempotencyKey: "match-1", Metadata: "won"), Cancel)).Replayed);
        var reused = await AssertErrorAsync(OnlineError.Conflict, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("real", 1, 7, IdempotencyKey: "match-1", Metadata: "won"), Cancel));
        Assert.Equal(OnlineProblemTypes.IdempotencyKeyReused, reused.ProblemType);
        await AssertErrorAsync(OnlineError.Conflict, () => online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("real", 1, 5, IdempotencyKey: "match-1", Metadata: "lost"), Cancel));
        Assert.Equal(5, (await online.Leaderboards.GetRankAsync("real", 1, cancellationToken: Cancel))!.Score);
    }
}
