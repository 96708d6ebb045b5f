using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
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
        var time = new FakeTimeProvider(Granted);
        var directory = new ScriptedLeaves(_ => throw new OnlineException(OnlineError.Unavailable, "The online backend could not be reached."));
        var reports = new LeaveReports(directory, SessionId.New(), time, NullLogger.Instance);

        var run = reports.Report(7, Granted)!;
        var started = time.GetUtcNow();
        while (!run.IsCompleted && time.GetUtcNow() - started < TimeSpan.FromMinutes(2))
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
        }

        await run;   // never throws: logged and counted
        Assert.True(time.GetUtcNow() - started <= LeaveReports.RetryWindow + TimeSpan.FromMilliseconds(100));
        Assert.InRange(directory.Calls.Count, 4, 12);   // backing off from 250 ms doubling to 8 s within 30 s
        Assert.All(directory.Calls, call => Assert.Equal((7L, SessionLeaveReason.TimedOut, (DateTimeOffset?)Granted), call));
        Assert.Equal(0, reports.Pending);
    }

    [Fact]
    public async Task A_refusal_that_asking_again_cannot_mend_is_not_retried()
    {
        var time = new FakeTimeProvider(Granted);
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
        var time = new FakeTimeProvider(Granted);
        var directory = new ScriptedLeaves(async token =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
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
        Assert.Equal(LeaveReports.MaxPending, directory.Calls.Count);

        var started = time.GetUtcNow();
        while (!runs.All(r => r.IsCompleted) && time.GetUtcNow() - started < TimeSpan.FromMinutes(2))
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            // Let the reports' continuations (on the thread pool) catch up with the clock before it moves on: with one
            // yield the clock ran ahead of 256 reports, each timer started late, and the virtual minute ran out.
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        await Task.WhenAll(runs);
        Assert.Equal(0, reports.Pending);
        // Given up once the window ran out (the last attempt may still wait its AttemptTimeout; the loop's steps lag a little):
        // well before the directory's own sweep would free the seats, and never the two minutes the loop allows.
        Assert.True(time.GetUtcNow() - started < TimeSpan.FromMinutes(1));
        Assert.NotNull(reports.Report(1, Granted));   // room again
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
