using System.Runtime.ExceptionServices;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// How a client waits out the backend's answers that mean "later": <see cref="OnlineError.Unavailable"/> (503 busy, when
/// every password-hashing slot of the node is taken, or the backend could not be reached) and
/// <see cref="OnlineError.RateLimited"/> (429, an address's request or sign-in budget, or a login wait). It never asks again
/// before the answer's <see cref="OnlineException.RetryAfter"/>; it backs off exponentially on repeated refusals
/// (<see cref="FirstBackoff"/> doubling up to <see cref="MaxBackoff"/>, the floor when the backend says nothing); it adds
/// random jitter (up to half the wait) so a crowd told the same Retry-After does not come back at the same moment; and it
/// gives up, throwing the last refusal, when the next wait would end past its limit. Every other error is thrown at once.
/// </summary>
public static class OnlineRetry
{
    /// <summary>The wait after a first refusal that names no Retry-After (250 ms); it doubles with every further refusal.</summary>
    public static TimeSpan FirstBackoff { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The most the backoff grows to (8 s); a longer Retry-After is still honoured.</summary>
    public static TimeSpan MaxBackoff { get; } = TimeSpan.FromSeconds(8);

    /// <summary>Whether asking again later may succeed: a busy or unreachable backend, or a rate limit.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>True for <see cref="OnlineError.Unavailable"/> and <see cref="OnlineError.RateLimited"/>.</returns>
    public static bool IsRetryable(OnlineException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Error is OnlineError.Unavailable or OnlineError.RateLimited;
    }

    /// <summary>
    /// The wait before asking again after a refusal: the larger of its <paramref name="retryAfter"/> and the backoff of
    /// <paramref name="attempt"/> (<see cref="FirstBackoff"/> × 2^attempt, at most <see cref="MaxBackoff"/>), stretched by
    /// up to half by <paramref name="jitter"/>.
    /// </summary>
    /// <param name="retryAfter">The refusal's <see cref="OnlineException.RetryAfter"/>, or null when it named none.</param>
    /// <param name="attempt">Refusals before this one (0 for the first).</param>
    /// <param name="jitter">A random sample in [0, 1).</param>
    /// <returns>The wait.</returns>
    public static TimeSpan NextWait(TimeSpan? retryAfter, int attempt, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        if (double.IsNaN(jitter) || jitter < 0 || jitter >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "The jitter must be in [0, 1).");
        }

        var backoff = attempt >= 10 ? MaxBackoff : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << attempt));
        var told = retryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.Zero;
        var wait = told > backoff ? told : backoff;
        return wait + TimeSpan.FromTicks((long)(wait.Ticks * 0.5 * jitter));
    }

    /// <summary>
    /// Runs <paramref name="call"/>, asking again after each retryable refusal (<see cref="NextWait"/>) as long as the
    /// next wait ends within <paramref name="limit"/> of the first ask.
    /// </summary>
    /// <typeparam name="T">The call's result.</typeparam>
    /// <param name="call">The request.</param>
    /// <param name="limit">How long to keep waiting in all; zero asks once.</param>
    /// <param name="time">The clock the waits run on; the system clock when null.</param>
    /// <param name="cancellationToken">Cancels the call and the waits.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="OnlineException">A refusal that is not retryable, or the last one when the limit is reached.</exception>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan limit, TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        time ??= TimeProvider.System;
        long start = time.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            OnlineException refusal;
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (OnlineException exception) when (IsRetryable(exception))
            {
                refusal = exception;
            }

            var wait = NextWait(refusal.RetryAfter, attempt, Random.Shared.NextDouble());
            if (time.GetElapsedTime(start) + wait > limit)
            {
                ExceptionDispatchInfo.Throw(refusal);
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
