using Demo;
using Demo.Console;
using Demo.Fleet;
using Demo.Run;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// A run against a deployed fleet (<c>--backend</c>) whose bots lost their sessions (a server killed or drained under
/// them) and quick-joined again used to end with the same summary as a quiet run: only the end-of-run counts, which the
/// rejoins had made whole again. The bots are told each end with its reason; the summary says so, counting each session
/// once however many bots it had (it used to count the bots told as sessions).
/// </summary>
public class SessionEndsSummaryTests
{
    private static RunReport Report(SessionEnds? ends) => new()
    {
        Options = new DemoOptions { Mode = DemoMode.Players, Bots = 4, BackendAddress = "http://127.0.0.1:8080" },
        OutputFolder = "/tmp/none",
        PlayedSeconds = 30,
        BotsRequested = 4,
        BotsConnected = 4,
        Fleet = new FleetReport([], [new FleetSessionRow("s1", "gs-2", 4, 4)], 4, 0, null, Ends: ends),
    };

    [Fact]
    public void The_summary_counts_the_ends_by_reason_and_the_rejoins()
    {
        var ends = SessionEnds.Of(
        [
            new SessionLoss("s0", "gs-1", SessionEndReason.ServerLost, ToldAt: 10.0, PlayingAgainAt: 12.5, NewServerId: "gs-2"),
            new SessionLoss("s0", "gs-1", SessionEndReason.ServerLost, ToldAt: 10.2, PlayingAgainAt: 16.4, NewServerId: "gs-2"),
            new SessionLoss("s0", "gs-1", SessionEndReason.ServerLost, ToldAt: 10.1, PlayingAgainAt: null, NewServerId: null),
            new SessionLoss("s9", "gs-3", SessionEndReason.ServerShutdown, ToldAt: 20.0, PlayingAgainAt: 21.0, NewServerId: "gs-2"),
        ]);

        var summary = SummaryText.Lines(Report(ends)).ToList();

        // Two sessions ended (s0 with three bots in it, s9 with one), four bots were told. Before: "4 (ServerLost 3, ...)",
        // the bots counted as sessions.
        Assert.Contains("sessions ended under the bots: 2 (ServerLost 1, ServerShutdown 1); bots told: 4, rejoined another session: 3, slowest 6.2 s after being told", summary);
    }

    [Fact]
    public void A_bot_that_lost_two_sessions_is_told_twice_and_each_session_counts_once()
    {
        var ends = SessionEnds.Of(
        [
            new SessionLoss("s0", "gs-1", SessionEndReason.ServerLost, ToldAt: 10.0, PlayingAgainAt: 12.0, NewServerId: "gs-2"),
            new SessionLoss("s5", "gs-2", SessionEndReason.ServerShutdown, ToldAt: 30.0, PlayingAgainAt: 31.5, NewServerId: "gs-3"),
            new SessionLoss("s5", "gs-2", SessionEndReason.ServerShutdown, ToldAt: 30.1, PlayingAgainAt: 31.0, NewServerId: "gs-3"),
        ]);

        Assert.Equal((2, 3, 3), (ends.Sessions, ends.BotsTold, ends.Rejoined));
        Assert.Equal("sessions ended under the bots: 2 (ServerLost 1, ServerShutdown 1); bots told: 3, rejoined another session: 3, slowest 2.0 s after being told",
            ends.Describe());
    }

    [Fact]
    public void A_quiet_run_says_no_session_ended_under_its_bots()
    {
        var summary = SummaryText.Lines(Report(SessionEnds.Of([]))).ToList();

        Assert.Contains("sessions ended under the bots: none", summary);
    }
}
