using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// <see cref="Multiplayer.LeaveSessionAsync"/> answers whether the player left a session, whoever told the directory first.
/// Found deploying the fleet: a game that frees a seat without a reconnect grace (the demo arena) has its game server
/// report the departure the moment the player's disconnect arrives, racing the player's own leave request; when the
/// server won, the facade returned false to a player who had just left a session it was playing in.
/// </summary>
public sealed class MultiplayerLeaveTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LeavingIsTrueWhenTheGameServerReportedTheDepartureFirst()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        await rig.StartServerAsync(directory.Node);
        var alice = rig.AddPlayer(directory.Node, "alice", sessions => new ServerReportsFirstSessions(sessions));

        var game = await rig.RunAsync(alice.Multiplayer!.CreateSessionAsync("MyGame", 4, Cancel));
        Assert.Equal(ClientState.Connected, alice.State);
        long aliceId = alice.Multiplayer.UserId!.Value;

        Assert.True(await rig.RunAsync(alice.Multiplayer.LeaveSessionAsync(Cancel)));
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Disconnected, 60));
        Assert.Null(alice.Multiplayer.CurrentSession);
        Assert.False((await directory.Node.Sessions.GetSessionAsync(game.Id, Cancel))!.IsMember(aliceId));

        // In no session now: false.
        Assert.False(await rig.RunAsync(alice.Multiplayer.LeaveSessionAsync(Cancel)));
    }
}
