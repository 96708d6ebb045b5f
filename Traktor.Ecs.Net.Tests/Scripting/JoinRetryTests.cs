using System.Net;
using Microsoft.Extensions.Time.Testing;
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

        for (var deadline = DateTime.UtcNow.AddSeconds(20); script.WaitingEntries > 0 && DateTime.UtcNow < deadline; await Task.Delay(5, TestContext.Current.CancellationToken))
        {
            host.Tick();
        }

        Assert.Empty(script.Errors);
        Assert.Equal(["[join.lua] Fresh"], host.Info);
        Assert.Equal(3, sessions.Joins);
    }

    [Fact]
    public async Task A_join_still_unavailable_when_the_call_times_out_fails_with_the_directory_s_reason()
    {
        // On a fake clock (ScriptServices.Time): the directory asks again every 20 ms of it, and the call's timeout is the
        // clock's too, so the test decides when it runs out instead of a wall-clock 300 ms racing a busy machine.
        var time = new FakeTimeProvider();
        var sessions = Directory(unavailableAnswers: int.MaxValue);
        var session = await sessions.CreateSessionAsync(new SessionOptions("Never", 4), TestContext.Current.CancellationToken);
        var callTimeout = TimeSpan.FromSeconds(10);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, Time = time }, new LuaScriptOptions { CallTimeout = callTimeout });
        var script = host.Load("join.lua", $"""local session = multiplayer:joinSession("{session.Id}")""");

        // Asked again as the clock passes the directory's retry-after, and still waiting, well within the call timeout (the
        // clock moves at most half of it here). After each move the test waits for the next ask (a wall-clock moment, then
        // the clock moves on: the retry's timer may not have been made yet) within a generous wall deadline: before, the
        // clock alone bounded the loop, 250 moves of 1 ms sleeps, and two busy cores' pool did not always ask thrice in them.
        var started = time.GetUtcNow();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (sessions.Joins < 3 && time.GetUtcNow() - started < callTimeout / 2 && DateTime.UtcNow < deadline)
        {
            int asked = sessions.Joins;
            time.Advance(TimeSpan.FromMilliseconds(20));
            for (var moment = DateTime.UtcNow.AddMilliseconds(50); sessions.Joins == asked && DateTime.UtcNow < moment; Thread.Sleep(1))
            {
                host.Tick();
            }
        }

        Assert.True(sessions.Joins >= 3, $"{sessions.Joins} joins");
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
