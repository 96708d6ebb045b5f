using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A player who joined a fleet session just before it ended and connects after its world closed (the game server closes
/// an ended session once its players are gone) is denied <see cref="DisconnectReason.SessionEnded"/>, as one that connects
/// while the ended world still runs is, not an unexplained <see cref="DisconnectReason.Rejected"/>.
/// </summary>
public class EndedSessionRefusalTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_ticket_for_a_session_whose_world_closed_after_its_end_is_denied_SessionEnded()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("short", 4), Cancel);
        long aliceId = (await directory.Node.Authentication.RegisterAsync("alice", "correct horse battery", Cancel)).UserId;
        long bobId = (await directory.Node.Authentication.RegisterAsync("bob", "correct horse battery", Cancel)).UserId;

        var aliceJoin = await directory.Node.Sessions.JoinSessionAsync(session.Id, aliceId, Cancel);
        var alice = rig.AddPlayer(aliceId);
        alice.Client.Transport.Connect(aliceJoin.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Connected, 300));
        var bobJoin = await directory.Node.Sessions.JoinSessionAsync(session.Id, bobId, Cancel); // connects only after the end
        Assert.Equal(SessionJoinStatus.Joined, bobJoin.Status);

        Assert.True(await directory.Node.Sessions.EndSessionAsync(session.Id, Cancel));
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Disconnected && server.Host.Sessions.Count == 0, 600),
            "the ended session's world did not close");

        var bob = rig.AddPlayer(bobId);
        bob.Client.Transport.Connect(bobJoin.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => bob.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.SessionEnded, bob.Client.Transport.LastDisconnectReason); // without EndedSession: Rejected
        Assert.Empty(server.Host.Sessions); // the ticket did not open the session again
    }
}
