using System.Net;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>multiplayer:joinSession</c> waits while the directory answers Unavailable with a RetryAfter (a player-hosted
/// session whose host has not published its address yet, just after it was created or migrated), within the call
/// timeout, instead of failing a join of a session that was just created.
/// </summary>
public sealed class JoinRetryTests
{
    [Fact]
    public void A_call_timeout_no_timer_can_measure_is_refused_when_the_script_system_is_made()
    {
        // Sixty days passed validation, and then every network call of every script failed when its timer was made.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { CallTimeout = TimeSpan.FromDays(60) }));
        Assert.Equal("CallTimeout", error.ParamName);
        using var longest = new ScriptHost(options: new LuaScriptOptions { CallTimeout = TimeSpan.FromDays(49) });
    }

    [Fact]
    public async Task A_join_answered_unavailable_with_a_retry_after_is_asked_again_until_it_succeeds()
    {
        var sessions = Directory(unavailableAnswers: 2);
        var session = await sessions.CreateSessionAsync(new SessionOptions("Fresh", 4), TestContext.Current.CancellationToken);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 });
        var script = host.Load("join.lua", $"""
            local session = multiplayer:joinSession("{session.Id}")
            log:info(session.name)
            """);

        // The asks wait 20 ms of the system clock between them: ticked until the join is answered, within the host's 30 s guard.
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(["[join.lua] Fresh"], host.Info);
        Assert.Equal(3, sessions.Joins);
    }

    [Fact]
    public async Task A_join_still_unavailable_when_the_call_times_out_fails_with_the_directory_s_reason()
    {
        // On a fake clock (ScriptServices.Time): the directory asks again every 20 ms of it, and the call's timeout is the
        // clock's too, so the test decides when it runs out instead of a wall-clock 300 ms racing a busy machine.
        var time = new TimerCountingClock(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var sessions = Directory(unavailableAnswers: int.MaxValue);
        var session = await sessions.CreateSessionAsync(new SessionOptions("Never", 4), TestContext.Current.CancellationToken);
        var callTimeout = TimeSpan.FromSeconds(10);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, Time = time }, new LuaScriptOptions { CallTimeout = callTimeout });
        var script = host.Load("join.lua", $"""local session = multiplayer:joinSession("{session.Id}")""");

        // Asked again each time the clock passes the directory's retry-after, and still waiting. The clock moves on only once
        // the join waits on it again: its call timeout and the retry's wait armed (both timers of this clock), after the
        // ask that answered Unavailable. Before, the test moved the clock and then gave the pool 50 ms of wall clock to ask
        // again, and two busy cores' pool did not always get there.
        for (int asks = 1; asks <= 3; asks++)
        {
            int asked = asks;
            Assert.True(SpinWait.SpinUntil(() =>
            {
                host.Tick();
                return sessions.Joins == asked && time.ArmedTimers == 2;
            }, TimeSpan.FromSeconds(30)), $"ask {asked} never came and waited: {sessions.Joins} joins, {time.ArmedTimers} timers armed");
            if (asks < 3) time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(3, sessions.Joins); // once per retry-after, not more often
        Assert.Equal(1, script.WaitingEntries);
        Assert.Empty(script.Errors);

        time.Advance(callTimeout);
        host.TickUntil(() => script.WaitingEntries == 0);
        var error = Assert.Single(script.Errors);
        Assert.Contains(NotYetPublishedSessions.Reason, error.Message, StringComparison.Ordinal);
    }

    private static NotYetPublishedSessions Directory(int unavailableAnswers) => new(new InProcessSessions(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = 0x5452_4b54 },
        [IPEndPoint.Parse("127.0.0.1:40000")]), unavailableAnswers);
}
