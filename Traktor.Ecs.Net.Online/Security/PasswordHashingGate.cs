using System.Diagnostics;

namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// Bounds the CPU and memory password hashing can take on one node: at most <see cref="MaxConcurrent"/> hashes run at
/// once and at most <see cref="MaxQueued"/> more wait; beyond that a request is refused at once with
/// <see cref="OnlineError.Unavailable"/> (HTTP 503, problem type <see cref="OnlineProblemTypes.Busy"/>) and a
/// Retry-After estimated from how long hashes take, instead of queueing without bound while health checks and
/// every other request starve.
/// </summary>
public sealed class PasswordHashingGate
{
    private readonly SemaphoreSlim _slots;
    private int _admitted;
    private long _hashed;
    private long _averageTicks = TimeSpan.TicksPerMillisecond * 50;

    /// <summary>Creates the gate.</summary>
    /// <param name="maxConcurrent">Hashes that may run at once (at least 1); by default half the processors, so hashing never takes every core.</param>
    /// <param name="maxQueued">Hashes that may wait for a slot (0 or more); by default four per slot.</param>
    public PasswordHashingGate(int? maxConcurrent = null, int? maxQueued = null)
    {
        MaxConcurrent = maxConcurrent ?? DefaultConcurrency;
        MaxQueued = maxQueued ?? 4 * MaxConcurrent;
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrent, 1, nameof(maxConcurrent));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueued, nameof(maxQueued));
        _slots = new SemaphoreSlim(MaxConcurrent, MaxConcurrent);
    }

    /// <summary>Half the processors, at least 1.</summary>
    public static int DefaultConcurrency => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Hashes that may run at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Hashes that may wait for a slot.</summary>
    public int MaxQueued { get; }

    /// <summary>Hashes run so far (for tests of how many a request costs).</summary>
    internal long Hashed => Interlocked.Read(ref _hashed);

    /// <summary>Hashes running or waiting right now.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Runs one hash when a slot is free, or refuses at once when the queue is full.</summary>
    /// <typeparam name="T">The hash's result.</typeparam>
    /// <param name="hash">The hashing work (synchronous, CPU-bound).</param>
    /// <param name="cancellationToken">Cancels the wait for a slot.</param>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unavailable"/> with a Retry-After when the queue is full.</exception>
    public async Task<T> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hash);
        int admitted = Interlocked.Increment(ref _admitted);
        if (admitted > MaxConcurrent + MaxQueued)
        {
            Interlocked.Decrement(ref _admitted);
            OnlineMetrics.PasswordHashesRefused.Add(1);
            throw new OnlineException(OnlineError.Unavailable, "Too many logins are being checked on this server right now; retry shortly.", RetryAfter(admitted))
            {
                ProblemType = OnlineProblemTypes.Busy,
            };
        }
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                long start = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _hashed);
                T result = hash();
                long elapsed = Stopwatch.GetElapsedTime(start).Ticks;
                // An exponential moving average (1/8 weight) is enough to size Retry-After; races between updates only blur it.
                Volatile.Write(ref _averageTicks, _averageTicks + (elapsed - _averageTicks) / 8);
                return result;
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    /// <summary>The time until the queue ahead of a request has drained: waiting hashes over slots, times the average hash.</summary>
    private TimeSpan RetryAfter(int admitted)
    {
        long rounds = (admitted + MaxConcurrent - 1) / MaxConcurrent;
        return TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, rounds * Volatile.Read(ref _averageTicks)));
    }
}
