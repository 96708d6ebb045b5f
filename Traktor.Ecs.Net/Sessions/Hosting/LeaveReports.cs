using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// A relay's reports to the directory of players whose reconnect grace expired, each retried while the directory cannot
/// answer: one failed report (the directory unreachable for a moment) used to leave the player's seat taken until the
/// directory's sweep (a minute), and the player could not take another in the session meanwhile. Reports name the seat
/// they are about (<see cref="ISessions.LeaveSessionAsync(SessionId, long, SessionLeaveReason, DateTimeOffset, CancellationToken)"/>),
/// so a retry that lands after the player rejoined frees nothing. Bounded: at most <see cref="MaxPending"/> reports at a
/// time, each tried for at most <see cref="RetryWindow"/> (every attempt waited for at most <see cref="AttemptTimeout"/>,
/// whether the directory heeds the attempt's token or hangs), backing off as <see cref="OnlineRetry.NextWait"/> says.
/// </summary>
internal sealed class LeaveReports(ISessions directory, SessionId session, TimeProvider time, ILogger logger)
{
    /// <summary>Reports under way at most; a report beyond them is dropped (logged and counted), not queued.</summary>
    public const int MaxPending = 256;

    /// <summary>How long one report keeps being retried: well inside the directory's member idle timeout (60 s by default), after which its sweep frees the seat anyway.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(30);

    /// <summary>The longest one attempt may wait for the directory's answer.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    private int pending;

    /// <summary>Reports under way (sent, waiting to be retried, or waiting for an answer).</summary>
    public int Pending => Volatile.Read(ref pending);

    /// <summary>Starts reporting that <paramref name="player"/> left; never throws.</summary>
    /// <param name="player">The player.</param>
    /// <param name="seatGrantedAt">The grant of the seat it was admitted with, or null (a player adopted after a migration) for whichever it holds.</param>
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
                Exception failure;
                TimeSpan? retryAfter = null;
                try
                {
                    using var bounded = new CancellationTokenSource(AttemptTimeout, time);
                    var leaving = seatGrantedAt is { } grantedAt
                        ? directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, grantedAt, bounded.Token)
                        : directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, bounded.Token);
                    // Waited for AttemptTimeout, whether or not the directory heeds its token: before, a call that hung without
                    // heeding it (a connection stuck below the HTTP client's cancellation, a directory of one's own) was never
                    // retried, and its report held one of the MaxPending places for good.
                    bool left = await Abandonable(leaving).WaitAsync(bounded.Token).ConfigureAwait(false);
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
    /// <paramref name="leaving"/>, whose failure is observed even once nobody awaits it (an attempt given up at its timeout
    /// may still fail later): it is the next attempt that counts.
    /// </summary>
    private static Task<bool> Abandonable(Task<bool> leaving)
    {
        _ = leaving.ContinueWith(static attempt => _ = attempt.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return leaving;
    }

    private void Fail(string reason, Exception exception, ulong player, int attempts)
    {
        SessionHostingMetrics.LeaveReportsFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, reason));
        logger.LogWarning(exception, "Could not tell the directory that player {Player} left session {Session} ({Reason}, {Attempts} attempts); the directory releases the seat once idle.",
            player, session, reason, attempts);
    }
}
