using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>
/// The one rule for every log line an outside party can cause: the first event is logged, then at most one line per
/// interval carrying the events held back, and the held-back events are told by the owner's update or disposal.
/// </summary>
public sealed class RateLimitedLogTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_first_event_is_logged_and_the_rest_of_the_interval_is_held_back_and_counted()
    {
        var log = new RateLimitedLog(time);
        Assert.True(log.TryLog(out long earlier));
        Assert.Equal(0, earlier);

        int lines = 0;
        for (int i = 0; i < 999; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1)); // 999 events within the same second
            if (log.TryLog(out _)) lines++;
        }
        Assert.Equal(0, lines);
        Assert.Equal(999, log.Held);

        time.Advance(TimeSpan.FromMilliseconds(1)); // a second after the first line
        Assert.True(log.TryLog(out earlier));
        Assert.Equal(999, earlier);
        Assert.Equal(0, log.Held);
    }

    [Fact]
    public void A_flood_of_ten_seconds_gives_one_line_a_second_and_counts_every_event()
    {
        var log = new RateLimitedLog(time);
        int lines = 0;
        long told = 0;
        for (int i = 0; i < 10_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            if (log.TryLog(out long earlier))
            {
                lines++;
                told += 1 + earlier;
            }
        }
        Assert.True(log.TryFlushAll(out long rest));
        Assert.Equal(10, lines);
        Assert.Equal(10_000, told + rest);
    }

    [Fact]
    public void An_update_tells_the_held_back_events_once_the_interval_has_passed()
    {
        var log = new RateLimitedLog(time, TimeSpan.FromSeconds(2));
        Assert.False(log.TryFlush(out _)); // nothing to tell
        Assert.True(log.TryLog(out _));
        Assert.False(log.TryLog(out _));
        Assert.False(log.TryLog(out _));

        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(log.TryFlush(out long count));
        Assert.Equal(0, count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(log.TryFlush(out count));
        Assert.Equal(2, count);
        Assert.False(log.TryFlush(out _)); // told once

        // The flush was a line: an event right after it is held back, not logged.
        Assert.False(log.TryLog(out _));
        Assert.Equal(1, log.Held);
    }

    [Fact]
    public void Disposal_tells_the_held_back_events_however_recent_the_last_line()
    {
        var log = new RateLimitedLog(time);
        Assert.False(log.TryFlushAll(out _));
        Assert.True(log.TryLog(out _));
        Assert.False(log.TryLog(out _));
        Assert.True(log.TryFlushAll(out long count));
        Assert.Equal(1, count);
        Assert.False(log.TryFlushAll(out _));
    }
}
