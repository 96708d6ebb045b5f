using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts its armed timers (due, neither fired nor stopped) and the ones that fired, so
/// a test moves it on only once the code under test waits on its timers again. Its continuations run on the thread pool when
/// the pool gets to them: a clock moved on regardless runs ahead of them under load, and their timers start late.
/// </summary>
internal sealed class TimerCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock gate = new();
    private int armed;
    private int fired;

    /// <summary>Timers that will fire when the clock reaches their due time.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (gate) return armed;
        }
    }

    /// <summary>Timers that fired since the clock was made (a periodic one counts each time).</summary>
    public int FiredTimers
    {
        get
        {
            lock (gate) return fired;
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new CountedTimer(this, callback, state);
        timer.Start(base.CreateTimer(static t => ((CountedTimer)t!).Fire(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class CountedTimer(TimerCountingClock clock, TimerCallback callback, object? state) : ITimer
    {
        private ITimer inner = null!;
        private bool isArmed;
        private bool periodic;
        private bool disposed;

        public void Start(ITimer timer) => inner = timer;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock.gate)
            {
                if (disposed) return false;
                Arm(dueTime != Timeout.InfiniteTimeSpan);
                periodic = period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero;
            }

            return inner.Change(dueTime, period);
        }

        public void Fire()
        {
            lock (clock.gate)
            {
                if (disposed) return;
                clock.fired++;
                if (!periodic) Arm(false);
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (clock.gate)
            {
                Arm(false);
                disposed = true;
            }

            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Arm(bool arm)
        {
            if (arm != isArmed) clock.armed += arm ? 1 : -1;
            isArmed = arm;
        }
    }
}
