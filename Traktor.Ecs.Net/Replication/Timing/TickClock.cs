namespace Traktor.Ecs.Net.Replication.Timing;

/// <summary>
/// A fixed-rate simulation clock. The caller reports elapsed time (from an injected
/// <see cref="TimeProvider"/>, so tests run on virtual time) and learns how many ticks to simulate.
/// The clock never sleeps. A rate scale lets a client run slightly faster or slower than the server
/// (time dilation) to keep its input buffer at the server near its target.
/// </summary>
public sealed class TickClock
{
    private readonly double secondsPerTick;
    private double accumulator;

    /// <summary>Creates a clock.</summary>
    /// <param name="tickRate">Ticks per second (e.g. 60): 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> (1,000), the server's range.</param>
    /// <param name="maxCatchUpTicks">
    /// The most ticks one <see cref="Advance"/> returns; a longer stall is dropped, not replayed. 1 to
    /// <see cref="ServerReplicationOptions.TickRateLimit"/>.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A rate or bound out of its range.</exception>
    public TickClock(int tickRate, int maxCatchUpTicks = 8)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tickRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tickRate, ServerReplicationOptions.TickRateLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCatchUpTicks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCatchUpTicks, ServerReplicationOptions.TickRateLimit);
        TickRate = tickRate;
        MaxCatchUpTicks = maxCatchUpTicks;
        secondsPerTick = 1.0 / tickRate;
    }

    /// <summary>Ticks per second.</summary>
    public int TickRate { get; }

    /// <summary>The cap on ticks returned by one <see cref="Advance"/>.</summary>
    public int MaxCatchUpTicks { get; }

    /// <summary>The length of one tick.</summary>
    public TimeSpan TickDuration => TimeSpan.FromSeconds(secondsPerTick);

    /// <summary>The tick the next simulated step will have.</summary>
    public uint Tick { get; private set; }

    /// <summary>How fast simulated time runs against real time: 1 normally, e.g. 1.02 to catch up.</summary>
    public double RateScale { get; set; } = 1.0;

    /// <summary>Fraction of the next tick already elapsed, in [0, 1): the render interpolation factor.</summary>
    public double Fraction => accumulator / secondsPerTick;

    /// <summary>Adds elapsed real time and returns how many ticks are due; call <see cref="Step"/> for each.</summary>
    /// <param name="elapsed">Real time since the previous call.</param>
    public int Advance(TimeSpan elapsed)
    {
        if (elapsed > TimeSpan.Zero)
        {
            accumulator += elapsed.TotalSeconds * Math.Clamp(RateScale, 0.5, 2.0);
        }

        int due = (int)Math.Min(accumulator / secondsPerTick, MaxCatchUpTicks + 1.0);
        if (due > MaxCatchUpTicks)
        {
            due = MaxCatchUpTicks;
            accumulator = 0;
        }
        else
        {
            accumulator -= due * secondsPerTick;
        }

        return due;
    }

    /// <summary>Marks one tick simulated and returns its number.</summary>
    public uint Step() => Tick++;

    /// <summary>Jumps the clock to a tick (a client adopting the server's timeline).</summary>
    /// <param name="tick">The tick the next step will have.</param>
    public void Reset(uint tick)
    {
        Tick = tick;
        accumulator = 0;
    }
}
