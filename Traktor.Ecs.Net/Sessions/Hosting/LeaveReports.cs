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
/// whether the directory heeds the attempt's token or hangs; but see <see cref="Report"/> for a report of no known seat), backing off as <see cref="OnlineRetry.NextWait"/> says. An
/// attempt given up at its timeout may still be running (a directory that does not heed the token): at most
/// <see cref="MaxAbandonedCalls"/> of those at a time; while they are that many, reports start no new attempt and wait,
/// still pending, for one of them to end.
/// </summary>
/// <param name="directory">Told of each departure.</param>
/// <param name="session">The session the reports are about.</param>
/// <param name="time">The clock of timeouts and backoff.</param>
/// <param name="logger">Diagnostics.</param>
/// <param name="maxAbandonedCalls">The cap on abandoned calls still running (<see cref="MaxAbandonedCalls"/>; smaller in tests).</param>
internal sealed class LeaveReports(ISessions directory, SessionId session, TimeProvider time, ILogger logger, int maxAbandonedCalls = LeaveReports.MaxAbandonedCalls)
{
    /// <summary>Reports under way at most; a report beyond them is dropped (logged and counted), not queued.</summary>
    public const int MaxPending = 256;

    /// <summary>How long one report keeps being retried: well inside the directory's member idle timeout (60 s by default), after which its sweep frees the seat anyway.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(30);

    /// <summary>The longest one attempt may wait for the directory's answer.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Directory calls given up at <see cref="AttemptTimeout"/> and still running (a directory that ignores the attempt's token)
    /// at most before no report starts another attempt. Before, each report left up to four such calls behind, as many as
    /// <see cref="MaxPending"/> reports at a time, with no bound on what a hung directory held (tasks, connections, sockets).
    /// Attempts started while under the cap may all be given up too, so at most this plus <see cref="MaxPending"/> run at once.
    /// </summary>
    public const int MaxAbandonedCalls = 32;

    private readonly Lock gate = new();
    private int pending;
    private int abandoned;
    private TaskCompletionSource? room; // completed when an abandoned call ends, for the reports waiting for one to

    /// <summary>Reports under way (sent, waiting to be retried, waiting for an answer, or waiting for abandoned calls to end).</summary>
    public int Pending => Volatile.Read(ref pending);

    /// <summary>Directory calls given up at their timeout that have not ended yet.</summary>
    public int AbandonedCalls
    {
        get
        {
            lock (gate) return abandoned;
        }
    }

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
                await WaitForRoomAsync(player).ConfigureAwait(false);
                Exception failure;
                TimeSpan? retryAfter = null;
                var call = new Call(this);
                try
                {
                    using var bounded = new CancellationTokenSource(AttemptTimeout, time);
                    var leaving = seatGrantedAt is { } grantedAt
                        ? directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, grantedAt, bounded.Token)
                        : directory.LeaveSessionAsync(session, (long)player, SessionLeaveReason.TimedOut, bounded.Token);
                    // Waited for AttemptTimeout, whether or not the directory heeds its token: before, a call that hung without
                    // heeding it (a connection stuck below the HTTP client's cancellation, a directory of one's own) was never
                    // retried, and its report held one of the MaxPending places for good.
                    // A leave of whatever seat the player holds is the exception: its call is awaited until it ends, however long,
                    // and only then asked again. An answer to a call given up could still land after a retry freed the seat and
                    // the player took a new one in the session, and free that one (an unconditional leave names no seat).
                    bool left = seatGrantedAt is null
                        ? await call.Watch(leaving).ConfigureAwait(false)
                        : await call.Watch(leaving).WaitAsync(bounded.Token).ConfigureAwait(false);
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
                    call.GiveUp();       // counted while it still runs (a directory that did not heed the token)
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
    /// Waits, still pending, while <see cref="MaxAbandonedCalls"/> abandoned calls run: the report is never dropped for them,
    /// and starts its attempt once one of them ends. Logged and counted once per report that had to wait.
    /// </summary>
    private async Task WaitForRoomAsync(ulong player)
    {
        bool capped = false;
        while (true)
        {
            Task freed;
            lock (gate)
            {
                if (abandoned < maxAbandonedCalls)
                {
                    return;
                }

                room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = room.Task;
            }

            if (!capped)
            {
                capped = true;
                SessionHostingMetrics.LeaveReportsCapped.Add(1);
                logger.LogWarning("Waiting to tell the directory that player {Player} left session {Session}: {Abandoned} earlier calls it did not answer in time still run.",
                    player, session, maxAbandonedCalls);
            }

            await freed.ConfigureAwait(false);
        }
    }

    private void Abandoned()
    {
        lock (gate) abandoned++;
    }

    private void AbandonedEnded()
    {
        TaskCompletionSource? freed;
        lock (gate)
        {
            abandoned--;
            freed = room;
            room = null;
        }

        freed?.TrySetResult();
    }

    /// <summary>One directory call: counted as abandoned from when its attempt gives it up until it ends, whichever comes first.</summary>
    private sealed class Call(LeaveReports owner)
    {
        private const int Unsent = 0, Running = 1, GivenUp = 2, Ended = 3;
        private int state = Unsent; // a directory that threw before returning a task left nothing running

        /// <summary>
        /// <paramref name="leaving"/>, watched until it ends: its failure is observed even once nobody awaits it (an attempt
        /// given up at its timeout may still fail later: it is the next attempt that counts), and its end frees its place
        /// among the abandoned calls.
        /// </summary>
        public Task<bool> Watch(Task<bool> leaving)
        {
            Volatile.Write(ref state, Running);
            _ = leaving.ContinueWith(static (attempt, watched) =>
            {
                _ = attempt.Exception;
                ((Call)watched!).End();
            }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return leaving;
        }

        /// <summary>The attempt stopped waiting for the call: it counts as abandoned unless it already ended.</summary>
        public void GiveUp()
        {
            if (Interlocked.CompareExchange(ref state, GivenUp, Running) == Running) owner.Abandoned();
        }

        private void End()
        {
            if (Interlocked.Exchange(ref state, Ended) == GivenUp) owner.AbandonedEnded();
        }
    }

    private void Fail(string reason, Exception exception, ulong player, int attempts)
    {
        SessionHostingMetrics.LeaveReportsFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, reason));
        logger.LogWarning(exception, "Could not tell the directory that player {Player} left session {Session} ({Reason}, {Attempts} attempts); the directory releases the seat once idle.",
            player, session, reason, attempts);
    }
}
