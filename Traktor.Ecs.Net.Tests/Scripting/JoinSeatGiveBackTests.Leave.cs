using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A <c>multiplayer:leaveSession()</c> given up (its script unloaded) while the directory takes the leave still reaches it:
/// the unload only stops the waiting, as <see cref="Multiplayer.LeaveSessionAsync"/>'s cancel does. Before, the unload
/// cancelled the leave itself: the script was out of the session and its seat stayed taken until the directory found it idle.
/// </summary>
public sealed partial class JoinSeatGiveBackTests
{
    [Fact]
    public async Task A_leave_given_up_while_the_directory_takes_it_is_still_sent()
    {
        var inner = Directory();
        var sessions = new SlowLeaves(inner);
        var session = await inner.CreateSessionAsync(new SessionOptions("Leaving", 4), TestContext.Current.CancellationToken);
        using var world = World.Create(); // no NetworkClient: the join is the directory's seat only
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 }, world: world);
        var script = host.Load("leave.lua", $"multiplayer:joinSession(\"{session.Id}\")\nmultiplayer:leaveSession()\n");
        host.TickUntil(() => sessions.Requested.Task.IsCompleted); // the leave is on its way
        Assert.Equal(1, await PlayerCount(inner, session.Id));

        Assert.True(host.System.Unload(script));
        sessions.Gate.SetResult(); // the directory gets to it after the unload

        await WaitUntilEmpty(inner, session.Id);
        Assert.Empty(script.Errors);
    }

    /// <summary>A directory whose leave reaches it only once <see cref="Gate"/> opens (a cancelled request never does).</summary>
    private sealed class SlowLeaves(ISessions inner) : JoinAlteringSessions(inner)
    {
        public TaskCompletionSource Requested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Requested.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            return await Inner.LeaveSessionAsync(id, userId, cancellationToken);
        }
    }
}
