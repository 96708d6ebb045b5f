using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>multiplayer:joinSession</c> and <c>multiplayer:leaveSession</c> time out on <see cref="ScriptServices.Time"/>, as
/// createSession, http and online calls do. Before, their directory calls had a wall-clock <see cref="LuaScriptOptions.CallTimeout"/>:
/// a game (or a test) driving its own clock never ended them, and the wall clock ended them whatever the game's clock said.
/// </summary>
public sealed class SessionCallClockTests
{
    // Long enough that a wall-clock timer could not end a call while a test runs: only the fake clock can.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_join_the_directory_never_answers_ends_when_the_script_clock_passes_the_call_timeout()
    {
        var time = new FakeTimeProvider();
        var sessions = new SilentSessions(Directory(), silentJoin: true);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, Time = time }, new LuaScriptOptions { CallTimeout = CallTimeout });
        var script = host.Load("join.lua", $"""
            local ok, result = pcall(function() return multiplayer:joinSession("{SessionId.New()}") end)
            failure = not ok and tostring(result) or "joined"
            """);
        Assert.True(sessions.Asked.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the directory was never asked");

        // Just short of the timeout it still waits; past it, the call fails.
        time.Advance(CallTimeout - TimeSpan.FromSeconds(1));
        host.Tick(3);
        Assert.Equal(1, script.WaitingEntries);
        time.Advance(TimeSpan.FromSeconds(1));
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Contains("joinSession: the session directory did not answer", script.GetGlobal("failure").AsString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_leave_the_directory_never_answers_ends_when_the_script_clock_passes_the_call_timeout()
    {
        var time = new FakeTimeProvider();
        var sessions = new SilentSessions(Directory(), silentJoin: false);
        var session = await sessions.CreateSessionAsync(new SessionOptions("Quiet", 4), TestContext.Current.CancellationToken);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, Time = time }, new LuaScriptOptions { CallTimeout = CallTimeout });
        var script = host.Load("leave.lua", $"""
            multiplayer:joinSession("{session.Id}")
            joined = true
            local ok, result = pcall(function() return multiplayer:leaveSession() end)
            failure = not ok and tostring(result) or "left"
            """);
        host.TickUntil(() => script.GetGlobal("joined").Kind == ScriptValueKind.Boolean);
        Assert.True(sessions.Asked.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the directory was never asked to leave");

        time.Advance(CallTimeout - TimeSpan.FromSeconds(1));
        host.Tick(3);
        Assert.Equal(1, script.WaitingEntries);
        time.Advance(TimeSpan.FromSeconds(1));
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Contains("leaveSession: ", script.GetGlobal("failure").AsString, StringComparison.Ordinal);
        Assert.Contains("canceled", script.GetGlobal("failure").AsString, StringComparison.Ordinal);
    }

    private static InProcessSessions Directory() => new(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = 0x5452_4b54 },
        [IPEndPoint.Parse("127.0.0.1:40000")]);

    /// <summary>A directory that never answers a join (or a leave), until the caller's token ends the wait.</summary>
    private sealed class SilentSessions(ISessions inner, bool silentJoin) : JoinAlteringSessions(inner)
    {
        /// <summary>Set once the silent call was asked.</summary>
        public ManualResetEventSlim Asked { get; } = new();

        public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            if (!silentJoin)
            {
                return await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
            }

            Asked.Set();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Asked.Set();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return true;
        }
    }
}
