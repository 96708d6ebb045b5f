namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A clock that runs as the system's does until a test moves it ahead at once (<see cref="Jump"/>), which brings every
/// timer due meanwhile forward, or holds it still for a while (<see cref="Hold"/>, <see cref="Release"/>): a real-time
/// window the code under test opens (an ended host's end delivery) then lasts as many ticks as the test needs, however
/// slowly a loaded machine runs them. A rig over real sockets and a real backend keeps real time, and a check that a stopped
/// component calls nothing more can still let the work paced by this clock (retries, end-reason questions, heartbeats)
/// come due: a few dozen ticks on real time last milliseconds, far shorter than any of those waits. It counts the timers
/// armed and the callbacks that ran, so the test knows when everything that came due has run (<see cref="Settled"/>).
/// </summary>
internal sealed class JumpClock : TimeProvider
{
    private readonly Lock gate = new();
    private readonly HashSet<JumpTimer> live = [];
    private long offset; // in this clock's timestamp units, ahead of the system's
    private long? heldAt; // the system's timestamp the clock stands still at, while held
    private int armed;
    private int started;
    private int returned;

    /// <summary>Timers that will fire when the clock reaches their due time.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (gate) return armed;
        }
    }

    /// <summary>True when no timer is due any more and every callback of one that fired has returned.</summary>
    public bool Settled
    {
        get
        {
            long now = GetTimestamp();
            lock (gate) return started == returned && live.All(timer => timer.DueAt is not { } due || due > now);
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (gate) return (heldAt ?? System.GetTimestamp()) + offset;
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        long ahead;
        lock (gate) ahead = (heldAt ?? System.GetTimestamp()) + offset - System.GetTimestamp();
        return System.GetUtcNow() + TimeSpan.FromSeconds(ahead / (double)TimestampFrequency);
    }

    /// <inheritdoc />
    public override long TimestampFrequency => System.TimestampFrequency;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    /// <summary>Moves the clock <paramref name="by"/> ahead: timers due within it fire at once (on the timer thread).</summary>
    public void Jump(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        JumpTimer[] timers;
        lock (gate)
        {
            offset += (long)(by.TotalSeconds * TimestampFrequency);
            timers = [.. live];
        }

        foreach (var timer in timers) timer.Reschedule();
    }

    /// <summary>Stops the clock where it is until <see cref="Release"/>: no time passes, no timer comes due.</summary>
    public void Hold()
    {
        lock (gate) heldAt ??= System.GetTimestamp();
    }

    /// <summary>Runs the clock on from where <see cref="Hold"/> stopped it (the time held never passed on it).</summary>
    public void Release()
    {
        JumpTimer[] timers;
        lock (gate)
        {
            if (heldAt is not { } held) return;
            offset -= System.GetTimestamp() - held;
            heldAt = null;
            timers = [.. live];
        }

        foreach (var timer in timers) timer.Reschedule();
    }

    /// <summary>Waits (at most 30 s, a hang guard) until <see cref="Settled"/>: what the clock's timers set off has started.</summary>
    public void WaitUntilSettled() =>
        Assert.True(SpinWait.SpinUntil(() => Settled, TimeSpan.FromSeconds(30)), $"the clock's timers did not settle: {ArmedTimers} armed");

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new JumpTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private TimeSpan Until(long due) => TimeSpan.FromSeconds(Math.Max(0, due - GetTimestamp()) / (double)TimestampFrequency);

    private sealed class JumpTimer : ITimer
    {
        private readonly JumpClock clock;
        private readonly TimerCallback callback;
        private readonly object? state;
        private readonly ITimer inner;
        private TimeSpan period = Timeout.InfiniteTimeSpan;
        private bool disposed;

        public JumpTimer(JumpClock clock, TimerCallback callback, object? state)
        {
            this.clock = clock;
            this.callback = callback;
            this.state = state;
            inner = System.CreateTimer(static t => ((JumpTimer)t!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        /// <summary>When it fires next, in the clock's timestamps; null when it is not armed. Read under the clock's lock.</summary>
        public long? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock.gate)
            {
                if (disposed) return false;
                this.period = period == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : period;
                Arm(dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetTimestamp() + (long)(dueTime.TotalSeconds * clock.TimestampFrequency));
                return true;
            }
        }

        /// <summary>After a jump: fires when the clock, now ahead, reaches the due time (at once if it passed it).</summary>
        public void Reschedule()
        {
            lock (clock.gate)
            {
                if (!disposed && DueAt is { } due) inner.Change(clock.Until(due), Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose()
        {
            lock (clock.gate)
            {
                Arm(null);
                disposed = true;
                clock.live.Remove(this);
            }

            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Fire()
        {
            lock (clock.gate)
            {
                if (disposed || DueAt is not { } due) return;
                if (clock.GetTimestamp() < due)
                {
                    inner.Change(clock.Until(due), Timeout.InfiniteTimeSpan); // scheduled before a jump moved it: not due yet
                    return;
                }

                Arm(period == Timeout.InfiniteTimeSpan ? null : clock.GetTimestamp() + (long)(period.TotalSeconds * clock.TimestampFrequency));
                clock.started++;
            }

            try
            {
                callback(state);
            }
            finally
            {
                lock (clock.gate) clock.returned++;
            }
        }

        /// <summary>Under the clock's lock: due at <paramref name="due"/>, or not armed (null).</summary>
        private void Arm(long? due)
        {
            if ((DueAt is null) != (due is null)) clock.armed += due is null ? -1 : 1;
            DueAt = due;
            if (due is null)
            {
                clock.live.Remove(this);
                inner.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            else
            {
                clock.live.Add(this);
                inner.Change(clock.Until(due.Value), Timeout.InfiniteTimeSpan);
            }
        }
    }
}
