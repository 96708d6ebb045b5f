using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// <see cref="Multiplayer.JoinSessionAsync"/> waits while the directory answers Unavailable with a retry-after (a player
/// host that has not published its address yet), for up to <see cref="MultiplayerOptions.JoinWait"/>, as Lua's
/// <c>joinSession</c> does (JoinRetryTests); it failed at the first such answer, so a join right after the host created
/// the session failed by a race.
/// </summary>
public sealed class MultiplayerJoinRetryTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_join_answered_unavailable_with_a_retry_after_is_asked_again_until_connected()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Paced = true };
        await rig.StartServerAsync(directory.Node);
        NotYetPublishedSessions? seen = null;
        var alice = rig.AddPlayer(directory.Node, "alice", sessions => seen = new NotYetPublishedSessions(sessions, unavailableAnswers: 2));
        var game = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Fresh", 4), Cancel);

        var joining = alice.Multiplayer!.JoinSessionAsync(game.Id, Cancel);
        Assert.True(await rig.TickUntilAsync(() => joining.IsCompleted, 600), "the join did not complete");

        Assert.Equal(game.Id, (await joining).Id);
        Assert.Equal(ClientState.Connected, alice.State);
        Assert.Equal(game.Id, alice.Multiplayer.CurrentSession!.Id);
        Assert.Equal(3, seen!.Joins);
    }

    [Fact]
    public async Task A_join_still_unavailable_after_the_join_wait_fails_with_the_directory_s_answer()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Paced = true };
        await rig.StartServerAsync(directory.Node);
        NotYetPublishedSessions? seen = null;
        var alice = rig.AddPlayer(directory.Node, "alice", sessions => seen = new NotYetPublishedSessions(sessions, unavailableAnswers: int.MaxValue),
            new MultiplayerOptions { JoinWait = TimeSpan.FromMilliseconds(300) });
        var game = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Never", 4), Cancel);

        var joining = alice.Multiplayer!.JoinSessionAsync(game.Id, Cancel);
        Assert.True(await rig.TickUntilAsync(() => joining.IsCompleted, 600), "the join did not give up");

        var error = await Assert.ThrowsAsync<OnlineException>(() => joining);
        Assert.Equal(OnlineError.Unavailable, error.Error);
        Assert.Equal(NotYetPublishedSessions.Reason, error.Message);
        Assert.True(seen!.Joins >= 3, $"{seen.Joins} joins");
        Assert.Equal(ClientState.Disconnected, alice.State);
        Assert.Null(alice.Multiplayer.CurrentSession);
    }

    [Fact]
    public async Task A_join_the_caller_cancels_while_it_waits_is_cancelled()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Paced = true };
        await rig.StartServerAsync(directory.Node);
        NotYetPublishedSessions? seen = null;
        var alice = rig.AddPlayer(directory.Node, "alice", sessions => seen = new NotYetPublishedSessions(sessions, unavailableAnswers: int.MaxValue));
        var game = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Never", 4), Cancel);

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var joining = alice.Multiplayer!.JoinSessionAsync(game.Id, giveUp.Token);
        Assert.True(await rig.TickUntilAsync(() => seen!.Joins >= 2 || joining.IsCompleted, 600), "the join was not asked again");
        Assert.False(joining.IsCompleted);
        giveUp.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        Assert.Equal(ClientState.Disconnected, alice.State);
    }
}
