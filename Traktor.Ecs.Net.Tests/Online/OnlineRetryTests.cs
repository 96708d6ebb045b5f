using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>How clients wait out busy and rate-limited answers: never early, backing off, with jitter, within a limit.</summary>
public sealed class OnlineRetryTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void The_wait_is_never_shorter_than_Retry_After_doubles_without_one_is_capped_and_jitter_adds_at_most_half()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), OnlineRetry.NextWait(TimeSpan.FromSeconds(3), 0, 0));
        Assert.Equal(TimeSpan.FromSeconds(3.75), OnlineRetry.NextWait(TimeSpan.FromSeconds(3), 0, 0.5));
        Assert.True(OnlineRetry.NextWait(TimeSpan.FromSeconds(3), 0, 0.999_999_999) <= TimeSpan.FromSeconds(4.5));
        Assert.Equal(TimeSpan.FromMinutes(15), OnlineRetry.NextWait(TimeSpan.FromMinutes(15), 9, 0));   // a long Retry-After still holds
        Assert.Equal(OnlineRetry.FirstBackoff, OnlineRetry.NextWait(null, 0, 0));
        Assert.Equal(OnlineRetry.FirstBackoff * 2, OnlineRetry.NextWait(null, 1, 0));
        Assert.Equal(OnlineRetry.FirstBackoff * 8, OnlineRetry.NextWait(TimeSpan.FromMilliseconds(100), 3, 0));
        Assert.Equal(OnlineRetry.MaxBackoff, OnlineRetry.NextWait(null, 6, 0));
        Assert.Equal(OnlineRetry.MaxBackoff, OnlineRetry.NextWait(null, int.MaxValue, 0));
        Assert.Equal(OnlineRetry.FirstBackoff, OnlineRetry.NextWait(TimeSpan.FromSeconds(-5), 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnlineRetry.NextWait(null, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnlineRetry.NextWait(null, -1, 0));
    }

    [Fact]
    public async Task Busy_answers_are_asked_again_no_sooner_than_told_and_other_errors_are_thrown_at_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var asked = new List<TimeSpan>();
        long start = time.GetTimestamp();
        var call = OnlineRetry.RunAsync(_ =>
        {
            asked.Add(time.GetElapsedTime(start));
            return asked.Count < 3
                ? Task.FromException<int>(new OnlineException(OnlineError.Unavailable, "busy", TimeSpan.FromSeconds(2)))
                : Task.FromResult(42);
        }, TimeSpan.FromSeconds(30), time, Cancel);
        await RunClockUntilAsync(time, call);

        Assert.Equal(42, await call);
        Assert.Equal(3, asked.Count);
        Assert.True(asked[1] - asked[0] >= TimeSpan.FromSeconds(2), $"{asked[1] - asked[0]}");
        Assert.True(asked[2] - asked[1] >= TimeSpan.FromSeconds(2), $"{asked[2] - asked[1]}");

        int wrong = 0;
        var refused = await Assert.ThrowsAsync<OnlineException>(() => OnlineRetry.RunAsync<int>(_ =>
        {
            wrong++;
            throw OnlineException.Unauthorized("Invalid username or password.");
        }, TimeSpan.FromSeconds(30), time, Cancel));
        Assert.Equal(OnlineError.Unauthorized, refused.Error);
        Assert.Equal(1, wrong);
    }

    [Fact]
    public async Task When_the_next_wait_would_end_past_the_limit_the_last_refusal_is_thrown()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        int asks = 0;
        var call = OnlineRetry.RunAsync<int>(_ =>
        {
            asks++;
            throw new OnlineException(OnlineError.RateLimited, $"limited {asks}", TimeSpan.FromSeconds(4));
        }, TimeSpan.FromSeconds(10), time, Cancel);
        await RunClockUntilAsync(time, call);

        var last = await Assert.ThrowsAsync<OnlineException>(() => call);
        Assert.Equal(OnlineError.RateLimited, last.Error);
        Assert.InRange(asks, 2, 3);                       // 4–6 s apart: two or three asks fit in 10 s, never more
        Assert.Equal($"limited {asks}", last.Message);

        var once = await Assert.ThrowsAsync<OnlineException>(() => OnlineRetry.RunAsync<int>(
            _ => throw new OnlineException(OnlineError.Unavailable, "busy", TimeSpan.FromSeconds(1)), TimeSpan.Zero, time, Cancel));
        Assert.Equal(OnlineError.Unavailable, once.Error);
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="task"/> has finished.</summary>
    private static async Task RunClockUntilAsync(FakeTimeProvider time, Task task)
    {
        for (int step = 0; !task.IsCompleted && step < 100_000; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, Cancel);
        }
    }
}
