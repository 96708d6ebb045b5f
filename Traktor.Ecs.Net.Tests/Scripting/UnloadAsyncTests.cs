using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <see cref="LuaScriptSystem.UnloadAsync"/> and <see cref="LuaScriptSystem.DisposeAsync"/> wait for what an unloaded
/// script's <c>multiplayer</c> still sends the session directory (here the seat of a join given up), within
/// <see cref="LuaScriptOptions.UnloadWait"/> on the game's clock. Before, an unload only started those sends: a game that
/// unloaded its script and exited lost them, and the directory kept the seat until its idle sweep.
/// </summary>
public sealed class UnloadAsyncTests
{
    private const ulong ProtocolId = 0x5452_4b54;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnloadAsync_returns_once_the_directory_has_the_seat_of_a_join_given_up_back()
    {
        var inner = Directory();
        var sessions = new SeatThenHold(inner);
        var session = await inner.CreateSessionAsync(new SessionOptions("Unloading", 4), Cancel);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 });
        var script = host.Load("join.lua", $"multiplayer:joinSession(\"{session.Id}\")\n");
        host.TickUntil(() => sessions.Seated.Task.IsCompleted); // seated; the join's answer has not come
        Assert.Equal(1, await PlayerCount(inner, session.Id));

        // The give-back reaches the directory only once the test lets it: UnloadAsync has not returned before then.
        var unloading = host.System.UnloadAsync(script);
        await sessions.LeaveAsked.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
        Assert.False(unloading.IsCompleted, "UnloadAsync returned before the seat's give-back was over");
        sessions.Leave.SetResult();

        Assert.True(await unloading.WaitAsync(TimeSpan.FromSeconds(30), Cancel)); // a hang guard only
        Assert.Equal(0, await PlayerCount(inner, session.Id)); // given back before it returned: no polling
        Assert.Empty(script.Errors);
        Assert.False(await host.System.UnloadAsync(script)); // unloaded already
    }

    [Fact]
    public async Task DisposeAsync_returns_once_the_directory_has_the_seat_of_a_join_given_up_back()
    {
        var inner = Directory();
        var sessions = new SeatThenHold(inner);
        var session = await inner.CreateSessionAsync(new SessionOptions("Disposing", 4), Cancel);
        var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 });
        try
        {
            host.Load("join.lua", $"multiplayer:joinSession(\"{session.Id}\")\n");
            host.TickUntil(() => sessions.Seated.Task.IsCompleted);

            var disposing = host.System.DisposeAsync().AsTask();
            await sessions.LeaveAsked.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
            Assert.False(disposing.IsCompleted, "DisposeAsync returned before the seat's give-back was over");
            sessions.Leave.SetResult();

            await disposing.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
            Assert.Equal(0, await PlayerCount(inner, session.Id));
        }
        finally
        {
            host.Dispose();
        }
    }

    [Fact]
    public async Task A_directory_that_never_answers_the_give_back_holds_UnloadAsync_for_UnloadWait_on_the_game_s_clock_only()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var inner = Directory();
        var sessions = new SeatThenHold(inner); // its Leave is never completed: the give-back hangs, cancellation or not
        var session = await inner.CreateSessionAsync(new SessionOptions("Hung", 4), Cancel);
        var options = new LuaScriptOptions { UnloadWait = TimeSpan.FromSeconds(5) };
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, Time = time }, options);
        var script = host.Load("join.lua", $"multiplayer:joinSession(\"{session.Id}\")\n");
        host.TickUntil(() => sessions.Seated.Task.IsCompleted);

        var unloading = host.System.UnloadAsync(script);
        await sessions.LeaveAsked.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
        time.Advance(options.UnloadWait - TimeSpan.FromMilliseconds(1));
        Assert.False(unloading.IsCompleted, "UnloadAsync gave up before UnloadWait had passed on the game's clock");

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await unloading.WaitAsync(TimeSpan.FromSeconds(30), Cancel)); // a hang guard only: the fake clock ended the wait
        lock (host.Logger.Lines)
        {
            Assert.Contains(host.Logger.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains("still on their way after UnloadWait", StringComparison.Ordinal));
        }

        Assert.Equal(1, await PlayerCount(inner, session.Id)); // the directory never answered: the seat is still held
    }

    [Fact]
    public async Task UnloadAsync_of_a_script_in_a_session_leaves_it_before_it_returns()
    {
        // Before, an unloaded script's player stayed seated until the directory's idle sweep: nothing left the session it was in.
        var sessions = Directory();
        var session = await sessions.CreateSessionAsync(new SessionOptions("Leaving", 4), Cancel);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 });
        var script = host.Load("join.lua", $"joined = multiplayer:joinSession(\"{session.Id}\")\n");
        host.TickUntil(() => script.WaitingEntries == 0);
        Assert.Empty(script.Errors);
        Assert.Equal(1, await PlayerCount(sessions, session.Id));

        Assert.True(await host.System.UnloadAsync(script).WaitAsync(TimeSpan.FromSeconds(30), Cancel)); // a hang guard only
        Assert.Equal(0, await PlayerCount(sessions, session.Id)); // left before it returned: no polling
    }

    [Fact]
    public async Task Unload_leaves_the_session_in_the_background_and_DisposeAsync_waits_for_the_leave()
    {
        var inner = Directory();
        var sessions = new LeaveSignal(inner);
        var first = await inner.CreateSessionAsync(new SessionOptions("Unloaded", 4), Cancel);
        var second = await inner.CreateSessionAsync(new SessionOptions("Disposed", 4), Cancel);
        var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 });
        var other = new ScriptHost(new ScriptServices { Sessions = inner, PlayerId = 43 });
        try
        {
            var unloaded = host.Load("a.lua", $"multiplayer:joinSession(\"{first.Id}\")\n");
            var disposed = other.Load("b.lua", $"multiplayer:joinSession(\"{second.Id}\")\n");
            host.TickUntil(() => unloaded.WaitingEntries == 0);
            other.TickUntil(() => disposed.WaitingEntries == 0);
            Assert.Equal(1, await PlayerCount(inner, first.Id));
            Assert.Equal(1, await PlayerCount(inner, second.Id));

            // Synchronous: the leave is sent, not awaited; the directory has it once the leave's answer came.
            Assert.True(host.System.Unload(unloaded));
            await sessions.Left.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
            Assert.Equal(0, await PlayerCount(inner, first.Id));

            // The whole system disposed: each script in a session leaves it, and DisposeAsync awaits that.
            await other.System.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Cancel); // a hang guard only
            Assert.Equal(0, await PlayerCount(inner, second.Id));
        }
        finally
        {
            host.Dispose();
            other.Dispose();
        }
    }

    private static InProcessSessions Directory() => new(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = ProtocolId },
        [IPEndPoint.Parse("127.0.0.1:9")]);

    private static async Task<int> PlayerCount(ISessions sessions, SessionId id) =>
        (await sessions.GetSessionAsync(id, Cancel))?.PlayerCount ?? 0;

    /// <summary>A directory that says when a leave it answered freed a seat.</summary>
    private sealed class LeaveSignal(ISessions inner) : JoinAlteringSessions(inner)
    {
        public TaskCompletionSource Left { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            bool left = await Inner.LeaveSessionAsync(id, userId, cancellationToken);
            if (left) Left.TrySetResult();
            return left;
        }
    }

    /// <summary>
    /// A directory that seats the player and does not answer the join until it is cancelled (its answer lost), and holds
    /// every leave until <see cref="Leave"/> completes, whatever the leave's token says.
    /// </summary>
    private sealed class SeatThenHold(ISessions inner) : JoinAlteringSessions(inner)
    {
        public TaskCompletionSource Seated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource LeaveAsked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Leave { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            var result = await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
            Assert.True(result.Succeeded);
            Seated.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return result;
        }

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            LeaveAsked.TrySetResult();
            await Leave.Task;
            return await Inner.LeaveSessionAsync(id, userId, CancellationToken.None);
        }
    }
}
