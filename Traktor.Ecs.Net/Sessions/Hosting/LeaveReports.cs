using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// A relay's reports to the directory of players whose reconnect grace expired, each retried while the directory cannot
/// answer: one failed report (the directory unreachable for a moment) would otherwise leave the player's seat taken until
/// the directory's sweep (a minute), and the player could not take another in the session meanwhile. Reports name the seat
/// they are about (<see cref="ISessions.LeaveSessionAsync(SessionId, long, SessionLeaveReason, DateTimeOffset, CancellationToken)"/>),
/// so a retry that lands after the player rejoined frees nothing. Bounded: at most <see cref="MaxPending"/> reports at a
/// time, each tried for at most <see cref="RetryWindow"/> (every attempt waited for at most <see cref="AttemptTimeout"/>,
/// whether the directory heeds the attempt's token or hangs; but see <see cref="Report"/> for a report of no known seat), backing
/// off as <see cref="OnlineRetry.NextWait"/> says. At most <see cref="MaxRunningCalls"/> directory calls run at a time, counting
/// those given up at their timeout that the directory goes on with (it does not heed the token): a report waits for a place,
/// and one that finds none within its window is given up (<c>capped</c>) like one the directory kept failing.
/// </summary>
/// <param name="directory">Told of each departure.</param>
/// <param name="session">The session the reports are about.</param>
/// <param name="time">The clock of timeouts and backoff.</param>
/// <param name="logger">Diagnostics.</param>
/// <param name="maxRunningCalls">The cap on directory calls running at once (<see cref="MaxRunningCalls"/>; smaller in tests).</param>
internal sealed class LeaveReports(ISessions directory, SessionId session, TimeProvider time, ILogger logger, int maxRunningCalls = LeaveReports.MaxRunningCalls)
{
    /// <summary>Reports under way at most; a report beyond them is dropped (logged and counted), not queued.</summary>
    public const int MaxPending = 256;

    /// <summary>How long one report keeps being retried: well inside the directory's member idle timeout (60 s by default), after which its sweep frees the seat anyway.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(30);

    /// <summary>The longest one attempt may wait for the directory's answer.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Directory calls of one relay running at once at most, whether a report still awaits them or gave them up at
    /// <see cref="AttemptTimeout"/> and the directory goes on with them (it does not heed the token): what a hung directory
    /// holds (tasks, connections, sockets) is bounded by this, not by the reports' attempts.
    /// </summary>
    public const int MaxRunningCalls = 32;

    private readonly SemaphoreSlim callPlaces = new(maxRunningCalls, maxRunningCalls);
    private int pending;

    /// <summary>Reports under way (sent, waiting to be retried, waiting for an answer, or waiting for a place to call).</summary>
    public int Pending => Volatile.Read(ref pending);

    /// <summary>Directory calls running (awaited, or given up at their timeout and not ended yet).</summary>
    public int RunningCalls => maxRunningCalls - callPlaces.CurrentCount;

    /// <summary>Starts reporting that <paramref name="player"/> left; never throws.</summary>
    /// <param name="player">The player.</param>
    /// <param name="seatGrantedAt">
    /// The grant of the seat it was admitted with, or null for whichever it holds (a player the relay never approved: a server
    /// endpoint without approvals). An attempt of such a report is never given up while its call runs, so no answer to an
    /// earlier attempt can land after the seat was freed and taken again.
    /// </param>
    /// <returns>The report's run (completes when it succeeded or was given up), or null when too many are pending and it was dropped.</returns>
    public Task? Report(ulong player, DateTimeOffset? seatGrantedAt)
    {
        if (Interlocked.Increment(ref pending) > MaxPending)
        {
            Interlocked.Decrement(ref pending);
            SessionHostingMetrics.LeaveReportsFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, "overflow"));
            logger.LogWarning("Not telling the directory that player {Player} left session {Session}: {Pending} reports are pending already; the directory releases the seat once idle.",
                player, session, MaxPending);
            return null;
        }

        return RunAsync(player, seatGrantedAt);
    }

    private async Task RunAsync(ulong player, DateTimeOffset? seatGrantedAt)
    {
        long start = time.GetTimestamp();
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                if (!await TakeCallPlaceAsync(player, start).ConfigureAwait(false))
                {
                    Fail("capped", new TimeoutException($"{maxRunningCalls} directory calls still ran for the whole retry window"), player, attempt);
                    return;
                }

                Exception failure;
                TimeSpan? retryAfter = null;
                try
                {
                    using var bounded = new CancellationTokenSource(AttemptTimeout, time);
                    var leaving = Call(player, seatGrantedAt, bounded.Token);
                    // Waited for AttemptTimeout, whether or not the directory heeds its token: a call that hangs without heeding
                    // it (a connection stuck below the HTTP client's cancellation, a directory of one's own) would otherwise never
                    // be retried, and its report would hold one of the MaxPending places for good.
                    // A leave of whatever seat the player holds is the exception: its call is awaited until it ends, however long,
                    // and only then asked again. An answer to a call given up could still land after a retry freed the seat and
                    // the player took a new one in the session, and free that one (an unconditional leave names no seat).
                    bool left = seatGrantedAt is null
                        ? await leaving.ConfigureAwait(false)
                        : await leaving.WaitAsync(bounded.Token).ConfigureAwait(false);
                    logger.LogDebug("Told the directory that player {Player} left session {Session} ({Left}, attempt {Attempt}).", player, session, left, attempt + 1);
                    return;
                }
                catch (OnlineException exception) when (OnlineRetry.IsRetryable(exception))
                {
                    failure = exception;
                    retryAfter = exception.RetryAfter;
                }
                catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException)
                {
                    failure = exception; // no answer within AttemptTimeout, or the network failed under a directory of another kind
                }
                catch (OnlineException exception)
                {
                    Fail("refused", exception, player, attempt + 1);
                    return;
                }

                var wait = OnlineRetry.NextWait(retryAfter, attempt, Random.Shared.NextDouble());
                if (time.GetElapsedTime(start) + wait > RetryWindow)
                {
                    Fail("exhausted", failure, player, attempt + 1);
                    return;
                }

                logger.LogInformation(failure, "Could not tell the directory that player {Player} left session {Session}; asking again in {Wait}.", player, session, wait);
                SessionHostingMetrics.LeaveReportsRetried.Add(1);
                await Task.Delay(wait, time).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            // A directory's own exception (a bug, a custom ISessions): nobody awaits the report to observe it.
            Fail("unexpected", exception, player, 0);
        }
        finally
        {
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>
    /// Takes one of the <see cref="MaxRunningCalls"/> places, waiting (still pending) for a running call to end, but no
    /// longer than what is left of the report's <see cref="RetryWindow"/>: false when none came (logged and counted once per
    /// report that had to wait). Each call that ends admits one waiting report, not every one.
    /// </summary>
    private async Task<bool> TakeCallPlaceAsync(ulong player, long start)
    {
        if (!await WaitForCallPlaceAsync(player, start).ConfigureAwait(false)) return false;
        if (time.GetElapsedTime(start) < RetryWindow) return true;

        // The window passed while the place came (its waiter ran late): no attempt starts past the window, so a report ends
        // within RetryWindow + AttemptTimeout however late it got its place.
        callPlaces.Release();
        return false;
    }

    private async Task<bool> WaitForCallPlaceAsync(ulong player, long start)
    {
        if (callPlaces.Wait(0)) return true;

        SessionHostingMetrics.LeaveReportsCapped.Add(1);
        logger.LogWarning("Waiting to tell the directory that player {Player} left session {Session}: {Running} calls to it still run.",
            player, session, RunningCalls);
        var left = RetryWindow - time.GetElapsedTime(start);
        if (left <= TimeSpan.Zero) return false;

        using var window = new CancellationTokenSource(left, time);
        try
        {
            await callPlaces.WaitAsync(window.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the directory, holding a place taken by <see cref="TakeCallPlaceAsync"/> until the call ends, however long after
    /// its attempt stopped waiting; its failure is observed even once nobody awaits it (the next attempt is what counts).
    /// </summary>
    private Task<bool> Call(ulong player, DateTimeOffset? seatGrantedAt, CancellationToken token)
    {
        Task<bool> leaving;
        try
        {
            leaving = seatGrantedAt is { } grantedAt
                ? directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, grantedAt, token)
                : directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, token);
        }
        catch
        {
            callPlaces.Release(); // thrown before any call ran
            throw;
        }

        _ = leaving.ContinueWith(static (call, places) =>
        {
            _ = call.Exception;
            ((SemaphoreSlim)places!).Release();
        }, callPlaces, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return leaving;
    }

    private void Fail(string reason, Exception exception, ulong player, int attempts)
    {
        SessionHostingMetrics.LeaveReportsFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, reason));
        logger.LogWarning(exception, "Could not tell the directory that player {Player} left session {Session} ({Reason}, {Attempts} attempts); the directory releases the seat once idle.",
            player, session, reason, attempts);
    }
}
