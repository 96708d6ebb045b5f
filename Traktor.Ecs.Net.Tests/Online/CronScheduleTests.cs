using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Leaderboards;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class CronScheduleTests
{
    private static DateTimeOffset At(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("* * * * *", "2026-03-04T12:34:56Z", "2026-03-04T12:34:00Z")]
    [InlineData("0 0 * * *", "2026-03-04T12:00:00Z", "2026-03-04T00:00:00Z")]
    [InlineData("0 0 * * *", "2026-03-04T00:00:00Z", "2026-03-04T00:00:00Z")]
    [InlineData("0 0 * * 1", "2026-03-04T12:00:00Z", "2026-03-02T00:00:00Z")] // Wednesday → Monday
    [InlineData("0 0 * * mon", "2026-03-02T00:00:59Z", "2026-03-02T00:00:00Z")]
    [InlineData("0 0 * * 0", "2026-03-04T12:00:00Z", "2026-03-01T00:00:00Z")] // Sunday as 0
    [InlineData("0 0 * * 7", "2026-03-04T12:00:00Z", "2026-03-01T00:00:00Z")] // Sunday as 7
    [InlineData("0 0 1 * *", "2026-03-04T12:00:00Z", "2026-03-01T00:00:00Z")]
    [InlineData("0 0 1 1 *", "2026-03-04T12:00:00Z", "2026-01-01T00:00:00Z")]
    [InlineData("@yearly", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")]
    [InlineData("@weekly", "2026-03-04T12:00:00Z", "2026-03-01T00:00:00Z")]
    [InlineData("@hourly", "2026-03-04T12:59:00Z", "2026-03-04T12:00:00Z")]
    [InlineData("*/15 * * * *", "2026-03-04T12:44:00Z", "2026-03-04T12:30:00Z")]
    [InlineData("5/15 * * * *", "2026-03-04T12:04:00Z", "2026-03-04T11:50:00Z")]
    [InlineData("0 9-17/4 * * *", "2026-03-04T08:00:00Z", "2026-03-03T17:00:00Z")]
    [InlineData("30 6,18 * * *", "2026-03-04T12:00:00Z", "2026-03-04T06:30:00Z")]
    [InlineData("0 0 29 2 *", "2026-03-04T12:00:00Z", "2024-02-29T00:00:00Z")] // leap day only
    [InlineData("0 0 31 * *", "2026-05-15T00:00:00Z", "2026-03-31T00:00:00Z")] // April has no 31st
    [InlineData("0 0 13 * 5", "2026-03-04T12:00:00Z", "2026-02-27T00:00:00Z")] // 13th OR Friday, as classic cron
    [InlineData("0 0 * jan-mar sat", "2026-05-01T00:00:00Z", "2026-03-28T00:00:00Z")]
    public void The_previous_occurrence_is_the_latest_firing_at_or_before_the_time(string expression, string time, string expected)
    {
        var schedule = CronSchedule.Parse(expression);
        Assert.Equal(DateTimeOffset.Parse(expected), schedule.GetPreviousOccurrence(DateTimeOffset.Parse(time)));
    }

    [Fact]
    public void The_next_occurrence_is_strictly_after_the_time()
    {
        var weekly = CronSchedule.Parse("0 0 * * 1");
        Assert.Equal(At(2026, 3, 9), weekly.GetNextOccurrence(At(2026, 3, 4, 12)));
        Assert.Equal(At(2026, 3, 16), weekly.GetNextOccurrence(At(2026, 3, 9)));
        Assert.Equal(At(2028, 2, 29), CronSchedule.Parse("0 0 29 2 *").GetNextOccurrence(At(2026, 3, 4)));
    }

    [Fact]
    public void Previous_and_next_agree_minute_by_minute_with_a_brute_force_check()
    {
        var schedule = CronSchedule.Parse("*/7 1-3,22 */2 * tue,fri");
        var time = At(2026, 1, 1);
        DateTimeOffset? lastFiring = null;
        for (int minute = 0; minute < 60 * 24 * 40; minute++, time = time.AddMinutes(1))
        {
            bool fires = time.Minute % 7 == 0 && (time.Hour is >= 1 and <= 3 or 22)
                // "*/2" starts with '*', so as in classic cron it does not count as restricting the day: both day fields must match.
                && (time.Day - 1) % 2 == 0 && time.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Friday;
            if (fires)
            {
                if (lastFiring is { } previous)
                {
                    Assert.Equal(time, schedule.GetNextOccurrence(previous));
                }
                lastFiring = time;
            }
            if (lastFiring is { } expected)
            {
                Assert.Equal(expected, schedule.GetPreviousOccurrence(time));
            }
        }
        Assert.NotNull(lastFiring);
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * * *")]
    [InlineData("* * * * * *")]
    [InlineData("60 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("* * 0 * *")]
    [InlineData("* * * 13 *")]
    [InlineData("* * * * 8")]
    [InlineData("5-1 * * * *")]
    [InlineData("*/0 * * * *")]
    [InlineData("a * * * *")]
    [InlineData("-1 * * * *")]
    [InlineData("1,,2 * * * *")]
    [InlineData("0 0 31 2 *")] // never fires
    [InlineData("@never")]
    public void Malformed_or_impossible_expressions_are_invalid_arguments(string expression)
    {
        var error = Assert.Throws<OnlineException>(() => CronSchedule.Parse(expression));
        Assert.Equal(OnlineError.InvalidArgument, error.Error);
    }
}
