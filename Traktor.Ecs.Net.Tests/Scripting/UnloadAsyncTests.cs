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

    private static InProcessSessions Directory() => new(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = ProtocolId },
        [IPEndPoint.Parse("127.0.0.1:9")]);

    private static async Task<int> PlayerCount(ISessions sessions, SessionId id) =>
        (await sessions.GetSessionAsync(id, Cancel))?.PlayerCount ?? 0;

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
