using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// What a game sees of <see cref="Multiplayer"/> when its session is lost under the player (the game server crashed): the
/// player is in the session until <see cref="Multiplayer.SessionEnded"/> says why it is over, and a handler of it sees the
/// player in none. <see cref="Multiplayer.CurrentSession"/> became null the moment the connection dropped, seconds before
/// the event (while the facade asked the directory why), and a player that joined another session meanwhile was then told
/// the old one had ended.
/// </summary>
public sealed class MultiplayerSessionEndTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_lost_session_is_current_until_SessionEnded_whose_handler_sees_none()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Sweeping = true, Paced = true };
        var server = await rig.StartServerAsync(directory.Node);
        var alice = rig.AddPlayer(directory.Node, "alice");
        var game = await rig.RunAsync(alice.Multiplayer!.CreateSessionAsync("MyGame", 4, Cancel));
        var seen = new List<(SessionId Ended, SessionEndReason Reason, SessionInfo? Current, SessionEndReason Last)>();
        alice.Multiplayer.SessionEnded += (session, reason) => seen.Add((session.Id, reason, alice.Multiplayer.CurrentSession, alice.Multiplayer.LastEndReason));

        server.Running = false;
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Disconnected, 60 * 15), "the crash went unnoticed");
        Assert.Equal(game.Id, alice.Multiplayer.CurrentSession?.Id); // still in it: nobody has said it is over
        Assert.Empty(seen);

        Assert.True(await rig.TickUntilAsync(() => seen.Count > 0, 60 * 15), "SessionEnded was not raised");
        var (ended, reason, current, last) = Assert.Single(seen);
        Assert.Equal(game.Id, ended);
        Assert.Equal(SessionEndReason.ServerLost, reason);
        Assert.Null(current);
        Assert.Equal(SessionEndReason.ServerLost, last);
        Assert.Null(alice.Multiplayer.CurrentSession);
    }

    [Fact]
    public async Task A_session_joined_before_the_lost_one_is_explained_is_not_told_it_ended()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Sweeping = true, Paced = true };
        var crashing = await rig.StartServerAsync(directory.Node);
        var alice = rig.AddPlayer(directory.Node, "alice");
        await rig.RunAsync(alice.Multiplayer!.CreateSessionAsync("MyGame", 4, Cancel));
        var survivor = await rig.StartServerAsync(directory.Node);
        var ended = new List<SessionEndReason>();
        alice.Multiplayer.SessionEnded += (_, reason) => ended.Add(reason);

        crashing.Running = false;
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Disconnected, 60 * 15), "the crash went unnoticed");
        var elsewhere = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Elsewhere", 4), Cancel);
        Assert.Equal(survivor.Id, elsewhere.ServerId);
        var joining = alice.Multiplayer.JoinSessionAsync(elsewhere.Id, Cancel);
        Assert.True(await rig.TickUntilAsync(() => joining.IsCompleted, 600), "the join did not complete");
        await joining;

        // Past the longest the facade asks why the old session is gone (EndReasonWait, 10 s).
        await rig.TickUntilAsync(() => false, 60 * 12);
        Assert.Empty(ended);
        Assert.Equal(elsewhere.Id, alice.Multiplayer.CurrentSession?.Id);
        Assert.Equal(ClientState.Connected, alice.State);
        Assert.Equal(SessionEndReason.None, alice.Multiplayer.LastEndReason);
    }
}
