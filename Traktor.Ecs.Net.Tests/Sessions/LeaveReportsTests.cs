using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A relay's grace-expiry reports: retried while the directory cannot answer, within a window, a bounded number at a time.</summary>
public class LeaveReportsTests
{
    private static readonly DateTimeOffset Granted = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_report_the_directory_keeps_failing_is_given_up_within_the_retry_window()
    {
        var time = new TimerCountingClock(Granted);
        var directory = new ScriptedLeaves(_ => throw new OnlineException(OnlineError.Unavailable, "The online backend could not be reached."));
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var run = reports.Report(7, Granted)!;
        var started = time.GetUtcNow();
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromMinutes(2));

        await run;   // never throws: logged and counted
        Assert.True(time.GetUtcNow() - started <= LeaveReports.RetryWindow + TimeSpan.FromMilliseconds(100));
        Assert.InRange(directory.Calls.Count, 4, 12);   // backing off from 250 ms doubling to 8 s within 30 s
        Assert.All(directory.Calls, call => Assert.Equal((7L, SessionLeaveReason.TimedOut, (DateTimeOffset?)Granted), call));
        Assert.Equal(0, reports.Pending);
    }

    [Fact]
    public async Task A_refusal_that_asking_again_cannot_mend_is_not_retried()
    {
        var time = new TimerCountingClock(Granted);
        var directory = new ScriptedLeaves(_ => throw new OnlineException(OnlineError.Forbidden, "Not a game server."));
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        await reports.Report(7, null)!;
        time.Advance(LeaveReports.RetryWindow);
        Assert.Equal((7L, SessionLeaveReason.TimedOut, (DateTimeOffset?)null), Assert.Single(directory.Calls));
        Assert.Equal(0, reports.Pending);
    }

    [Fact]
    public async Task Reports_beyond_the_bound_are_dropped_and_a_silent_directory_ends_each_report_within_a_minute()
    {
        // The directory never answers: every attempt ends at AttemptTimeout, and the reports pile up only to MaxPending.
        var time = new TimerCountingClock(Granted);
        var directory = new ScriptedLeaves(async token =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token).ConfigureAwait(false); // see AdvanceUntil
            return true;
        });
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);
        var runs = new List<Task>();
        for (ulong player = 1; player <= LeaveReports.MaxPending; player++)
        {
            runs.Add(reports.Report(player, Granted)!);
        }

        Assert.Null(reports.Report(LeaveReports.MaxPending + 1, Granted));
        Assert.Equal(LeaveReports.MaxPending, reports.Pending);
        Assert.Equal(LeaveReports.MaxRunningCalls, directory.Calls.Count);   // the others wait for a place to call

        var started = time.GetUtcNow();
        AdvanceUntil(time, reports, () => runs.All(r => r.IsCompleted), TimeSpan.FromMinutes(2));

        await Task.WhenAll(runs);
        Assert.Equal(0, reports.Pending);
        // Given up once the window ran out (the last attempt may still wait its AttemptTimeout; its timers fire up to a step
        // late): well before the directory's own sweep would free the seats.
        Assert.True(time.GetUtcNow() - started <= LeaveReports.RetryWindow + LeaveReports.AttemptTimeout + 2 * Step);
        Assert.NotNull(reports.Report(1, Granted));   // room again
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_directory_call_that_hangs_is_given_up_at_the_attempt_timeout_and_asked_again_until_the_seat_is_freed(bool heedsItsToken)
    {
        // The directory's first two calls hang (no answer, no error: a stalled connection), the third answers. Whether the
        // hung call heeds the attempt's token or not, the report asks again after AttemptTimeout and is not lost. Failed
        // before for a call that does not heed it: the report waited for it for good (and held a MaxPending place).
        var time = new TimerCountingClock(Granted);
        var asked = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        var directory = new ScriptedLeaves(token =>
        {
            asked.Enqueue(time.GetUtcNow());
            return asked.Count <= 2 ? Hang(heedsItsToken, token) : Task.FromResult(true);
        });
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var started = time.GetUtcNow();
        var run = reports.Report(7, Granted)!;
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromMinutes(2));

        Assert.True(run.IsCompleted, $"the report still waits after {asked.Count} calls");
        await run;
        var at = asked.ToArray();
        Assert.Equal(3, at.Length);
        Assert.True(at[1] - at[0] >= LeaveReports.AttemptTimeout);   // each hung call was waited for its whole timeout, not less
        Assert.True(at[2] - at[1] >= LeaveReports.AttemptTimeout);
        Assert.True(at[2] - started <= LeaveReports.RetryWindow);   // the answering call came within the window
        Assert.All(directory.Calls, call => Assert.Equal((7L, SessionLeaveReason.TimedOut, (DateTimeOffset?)Granted), call));
        Assert.Equal(0, reports.Pending);

        // Answered: nothing more is asked.
        AdvanceUntil(time, reports, () => false, LeaveReports.RetryWindow);
        Assert.Equal(3, directory.Calls.Count);
    }

    [Fact]
    public async Task A_directory_that_hangs_without_heeding_the_token_ends_the_report_within_the_window_and_frees_its_place()
    {
        var time = new TimerCountingClock(Granted);
        var directory = new ScriptedLeaves(token => Hang(heedsItsToken: false, token));
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var started = time.GetUtcNow();
        var run = reports.Report(7, Granted)!;
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromMinutes(2));

        Assert.True(run.IsCompleted, $"the report still waits after {directory.Calls.Count} calls");
        await run;   // never throws: logged and counted
        // Attempts start within the window only; the last one is waited for its AttemptTimeout at most.
        Assert.True(time.GetUtcNow() - started <= LeaveReports.RetryWindow + LeaveReports.AttemptTimeout);
        Assert.InRange(directory.Calls.Count, 3, 4);
        Assert.Equal(0, reports.Pending);
    }

    [Fact]
    public async Task A_report_finding_no_place_to_call_within_its_window_is_given_up_and_a_place_freed_serves_the_next()
    {
        // The directory ignores the attempt's token and hangs until the test ends its calls. With one place, the report sends
        // one call, gives it up at AttemptTimeout, then waits for the place, which the hung call keeps: at the end of its
        // window it is given up, not left waiting for good (review33: it waited without bound, and a leave sent minutes late,
        // past the directory's own sweep, could free a newer seat). Failed before: still pending after two minutes.
        var time = new TimerCountingClock(Granted);
        var hung = new System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<bool>>();
        bool answering = false;
        var directory = new ScriptedLeaves(_ =>
        {
            if (Volatile.Read(ref answering)) return Task.FromResult(true);
            var call = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            hung.Enqueue(call);
            return call.Task;
        });
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance, maxRunningCalls: 1);

        var run = reports.Report(7, Granted)!;
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromMinutes(2));

        Assert.True(run.IsCompleted, "the report still waits for a place after two minutes");
        Assert.True(time.GetUtcNow() - Granted <= LeaveReports.RetryWindow + TimeSpan.FromSeconds(1), $"given up at {time.GetUtcNow() - Granted}");
        Assert.Single(directory.Calls);
        Assert.Equal(1, reports.RunningCalls);
        Assert.Equal(0, reports.Pending);

        // The hung call ends (late, its answer no longer awaited): its place serves the next report at once.
        Volatile.Write(ref answering, true);
        Assert.True(hung.TryDequeue(out var first));
        first.SetResult(false);
        Assert.True(SpinWait.SpinUntil(() => reports.RunningCalls == 0, TimeSpan.FromSeconds(30)), "the ended call kept its place");
        await reports.Report(8, Granted)!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal([7L, 8L], directory.Calls.Select(call => call.Player));
        Assert.Equal(0, reports.RunningCalls);
    }

    [Fact]
    public void A_call_that_ends_lets_one_waiting_report_call_not_every_one()
    {
        // Two places, three reports, a directory that hangs without heeding the token. Whenever one hung call ends, one
        // waiting report may call: the calls running never exceed the places (review33: every waiting report woke and
        // called, so the count jumped to all of them). Failed before: 4 calls ran at once.
        var time = new TimerCountingClock(Granted);
        var hung = new System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<bool>>();
        int running = 0, mostRunning = 0;
        var directory = new ScriptedLeaves(_ =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostRunning, now);
            var call = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            hung.Enqueue(call);
            return call.Task;
        });
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance, maxRunningCalls: 2);

        var runs = new[] { reports.Report(1, Granted)!, reports.Report(2, Granted)!, reports.Report(3, Granted)! };
        // Past the first attempts' timeouts: two calls hang, every report waits for a place.
        AdvanceUntil(time, reports, () => time.GetUtcNow() - Granted > LeaveReports.AttemptTimeout + TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1));
        Assert.Equal(2, directory.Calls.Count);

        Assert.True(hung.TryDequeue(out var first));
        Interlocked.Decrement(ref running);   // before it ends: its end is what frees the place
        first.SetException(new HttpRequestException("reset"));
        // The freed place goes to one waiting report with no time passing; it must call before the clock moves on. (Advanced
        // at once, the clock raced the waiter's wake-up on a loaded machine and could close its window first: CI saw 2 calls.)
        Assert.True(SpinWait.SpinUntil(() => directory.Calls.Count == 3, TimeSpan.FromSeconds(30)), $"no waiting report called: {directory.Calls.Count} calls");
        AdvanceUntil(time, reports, () => runs.All(run => run.IsCompleted), TimeSpan.FromMinutes(2));

        Assert.All(runs, run => Assert.True(run.IsCompleted));
        Assert.Equal(3, directory.Calls.Count);
        Assert.Equal(2, Volatile.Read(ref mostRunning));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task A_call_given_up_that_fails_later_frees_its_place()
    {
        var time = new TimerCountingClock(Granted);
        var hung = new System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<bool>>();
        var directory = new ScriptedLeaves(_ =>
        {
            var call = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            hung.Enqueue(call);
            return call.Task;
        });
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var run = reports.Report(7, Granted)!;
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromMinutes(2));
        await run;   // given up (exhausted) within the window: under the cap, every attempt is made
        Assert.Equal(directory.Calls.Count, reports.RunningCalls);

        while (hung.TryDequeue(out var call)) call.SetException(new HttpRequestException("reset"));
        // The failures reach the report on the thread pool (no clock involved); the bound only guards against a hang.
        Assert.True(SpinWait.SpinUntil(() => reports.RunningCalls == 0, TimeSpan.FromSeconds(30)), $"{reports.RunningCalls} calls still counted as running");
    }

    [Fact]
    public async Task An_unconditional_report_asks_again_only_once_its_earlier_call_ended()
    {
        // A leave of whatever seat the player holds (no grant known) whose call hangs without heeding the token. Asked again
        // at its timeout, the hung call could still land after the retry freed the seat and the player took a new one in the
        // session, and free that one. Failed before: a second call went out at AttemptTimeout while the first still ran.
        var time = new TimerCountingClock(Granted);
        var first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        var directory = new ScriptedLeaves(_ => Interlocked.Increment(ref calls) == 1 ? first.Task : Task.FromResult(true));
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var run = reports.Report(7, null)!;
        // Until the attempt's timeout fired; the report then waits for the call, with no timer of its own (within the window
        // here, so that it may ask again once the call ended).
        AdvanceUntil(time, reports, () => time.FiredTimers == 1, TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(directory.Calls);
        Assert.False(run.IsCompleted);
        Assert.Equal(1, reports.RunningCalls);   // awaited, not given up

        // The call ends without an answer (the connection reset): nothing of it can land now, and the report asks again.
        first.SetException(new HttpRequestException("reset"));
        Assert.True(SpinWait.SpinUntil(() => time.ArmedTimers == 1 || run.IsCompleted, TimeSpan.FromSeconds(30)), "the report did not back off");
        AdvanceUntil(time, reports, () => run.IsCompleted, TimeSpan.FromSeconds(10));
        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(2, directory.Calls.Count);
        Assert.All(directory.Calls, call => Assert.Equal((7L, SessionLeaveReason.TimedOut, (DateTimeOffset?)null), call));
        Assert.Equal(0, reports.Pending);
    }

    /// <summary>A directory call that never answers; it ends (cancelled) on its token only when it heeds it.</summary>
    private static async Task<bool> Hang(bool heedsItsToken, CancellationToken token)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, heedsItsToken ? token : CancellationToken.None).ConfigureAwait(false); // see AdvanceUntil
        return true;
    }

    /// <summary>How far <see cref="AdvanceUntil"/> moves the clock at a time: how late a report's timer may fire.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Moves the clock on a <see cref="Step"/> at a time until <paramref name="done"/> holds or <paramref name="limit"/>
    /// passed, each step only once the reports wait on their timers again (a timer armed for every pending report): their
    /// continuations run on the thread pool, and before, a clock moved 50 ms per millisecond of real time ran ahead of them
    /// under load. The test's thread waits here, so a directory stand-in must not resume on its context (ConfigureAwait(false)).
    /// The real-time bound only guards against a hang.
    /// </summary>
    private static void AdvanceUntil(TimerCountingClock time, LeaveReports reports, Func<bool> done, TimeSpan limit)
    {
        var started = time.GetUtcNow();
        while (!done() && time.GetUtcNow() - started < limit)
        {
            Assert.True(SpinWait.SpinUntil(() => done() || time.ArmedTimers >= reports.Pending, TimeSpan.FromSeconds(30)),
                $"the reports never waited on their timers again: {reports.Pending} pending, {time.ArmedTimers} timers armed, {reports.RunningCalls} calls running");
            if (done()) return;
            time.Advance(Step);
        }
    }

    /// <summary>A directory whose leave does what the test says, recording each call (player, reason, seat grant).</summary>
    private sealed class ScriptedLeaves(Func<CancellationToken, Task<bool>> leave) : JoinAlteringSessions(null!)
    {
        public System.Collections.Concurrent.ConcurrentQueue<(long Player, SessionLeaveReason Reason, DateTimeOffset? Granted)> Calls { get; } = new();

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
        {
            Calls.Enqueue((userId, reason, null));
            return leave(cancellationToken);
        }

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
        {
            Calls.Enqueue((userId, reason, seatGrantedAt));
            return leave(cancellationToken);
        }
    }
}
