namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Decides when a log line that someone outside can cause goes out: the first event is logged, then at most one line per
/// <see cref="Interval"/>, each carrying how many events were held back since the line before it. Whoever sends the packets
/// decides how often such an event happens, and a line per event let them write the server's log as fast as they could
/// send; the owner's counters and metrics still count every event. The owner writes the lines itself (its own messages and
/// event ids); this only decides when, and keeps the count. The events an interval held back are not lost when the flood
/// stops: the owner calls <see cref="TryFlush"/> from its update (a line once the interval has passed since the last one)
/// and <see cref="TryFlushAll"/> when it is disposed.
/// </summary>
/// <remarks>
/// Not thread-safe: one owner's thread (the tick) uses it. No clock read, closure or allocation per held-back event beyond
/// one timestamp, so it sits on the receive path; a flush with nothing held back does not read the clock either.
/// </remarks>
/// <param name="time">The clock (a fake one in tests).</param>
/// <param name="interval">The least time between two lines.</param>
internal sealed class RateLimitedLog(TimeProvider time, TimeSpan interval)
{
    /// <summary>The interval of every log line an outside party can cause: one second.</summary>
    internal static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private long _lastLine;
    private bool _logged;
    private long _held;

    /// <summary>A limiter with <see cref="DefaultInterval"/>.</summary>
    /// <param name="time">The clock.</param>
    public RateLimitedLog(TimeProvider time)
        : this(time, DefaultInterval)
    {
    }

    /// <summary>The least time between two lines.</summary>
    public TimeSpan Interval => interval;

    /// <summary>The events held back since the last line.</summary>
    public long Held => _held;

    /// <summary>
    /// Counts an event. True when its line goes out now (the first event, or the first since <see cref="Interval"/> passed
    /// since the last line), with <paramref name="earlier"/> the events held back before it; false when it is held back.
    /// </summary>
    /// <param name="earlier">The events held back since the last line, to be named in this one (0 when held back).</param>
    public bool TryLog(out long earlier)
    {
        long now = time.GetTimestamp();
        if (_logged && time.GetElapsedTime(_lastLine, now) < interval)
        {
            _held++;
            earlier = 0;
            return false;
        }

        earlier = _held;
        _held = 0;
        _logged = true;
        _lastLine = now;
        return true;
    }

    /// <summary>
    /// From the owner's update: true when events were held back and <see cref="Interval"/> has passed since the last line,
    /// so the caller logs a line adding them up; the count starts again from zero.
    /// </summary>
    /// <param name="count">The events held back (0 when false).</param>
    public bool TryFlush(out long count)
    {
        count = 0;
        if (_held == 0)
        {
            return false; // the clock is read only when there is something to say
        }

        long now = time.GetTimestamp();
        if (time.GetElapsedTime(_lastLine, now) < interval)
        {
            return false;
        }

        count = _held;
        _held = 0;
        _lastLine = now;
        return true;
    }

    /// <summary>
    /// When the owner is disposed: true when events were held back, however recent the last line, so the caller logs a last
    /// line adding them up (after it there is no update to flush them).
    /// </summary>
    /// <param name="count">The events held back (0 when false).</param>
    public bool TryFlushAll(out long count)
    {
        count = _held;
        if (count == 0)
        {
            return false;
        }

        _held = 0;
        _lastLine = time.GetTimestamp();
        return true;
    }
}
