using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A cancelled <see cref="Multiplayer.JoinSessionAsync"/> leaves the player in no session. Cancelled while its client was
/// connecting, the task reported the cancellation but the connection went on in the background: the player ended up
/// connected, with a <see cref="Multiplayer.CurrentSession"/>, and the directory kept its seat. Cancelled while the directory
/// answered "not yet" (a player host that has not published its address), the seat the first ask took was kept.
/// </summary>
public sealed class MultiplayerJoinCancelTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_join_cancelled_while_connecting_leaves_no_connection_no_session_and_no_seat()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;
        var directory = Services.Sessions!;
        var (grant, rig) = await JoinBehindNatsAsync(hostPlayer, "joining-player");
        using var _ = rig;
        var (scene, multiplayer, joinedIds) = (rig.Scene, rig.Multiplayer, rig.JoinedIds);

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, giveUp.Token);
        for (int i = 0; i < 60 * 30 && scene.Client.State is not (ClientState.SendingRequest or ClientState.SendingResponse) && !joining.IsCompleted; i++)
        {
            rig.Tick();
            await Task.Delay(1, Cancel);
        }

        Assert.False(joining.IsCompleted, "the join was still connecting");
        Assert.True(scene.Client.State is ClientState.SendingRequest or ClientState.SendingResponse, $"the client was connecting ({scene.Client.State})");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);

        // Two seconds on: the handshake went on before, the client connected and the facade took the session as current.
        for (int i = 0; i < 120; i++)
        {
            rig.Tick();
            await Task.Delay(1, Cancel);
        }

        Assert.Equal(ClientState.Disconnected, scene.Client.State);
        Assert.Null(multiplayer.CurrentSession);
        Assert.False(multiplayer.NeedsTicks);
        Assert.DoesNotContain((ulong)joinerPlayer, joinedIds);
        Assert.False((await directory.GetSessionAsync(grant.Session.Id, Cancel))!.IsMember(joinerPlayer), "the directory has the seat back");
    }

    [Fact]
    public async Task A_join_cancelled_while_the_host_has_not_published_its_address_gives_the_seat_back()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;
        var grant = await Services.Sessions!.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), hostPlayer, Cancel);
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted, time: Time, hostKey: grant.SessionKey, protocolId: DirectoryTestSettings.ProtocolId);
        using var joinerWorld = World.Create();
        var client = new NetworkClient(joinerWorld, scene.Client, ReplicationWorld.Registry, 60, Time);
        // A join wait no test outlasts: the join ends by the cancellation, not by the wait (the clock moves 20 ms a step).
        using var multiplayer = new Multiplayer(client, Services.Authentication, Services.Sessions, new MultiplayerAccount("joining-player", Password),
            new MultiplayerOptions { Traversal = scene.JoinerSide, JoinWait = TimeSpan.FromHours(1) }, Time);

        // The host never reports an address: the directory seats the joiner and answers Unavailable with a retry-after.
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, giveUp.Token);
        bool seated = false;
        for (int i = 0; i < 2000 && !seated && !joining.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(20));   // the retry-afters pass
            await Task.Delay(1, Cancel);
            seated = (await Services.Sessions.GetSessionAsync(grant.Session.Id, Cancel))!.IsMember(joinerPlayer);
        }

        Assert.True(seated, "the first ask took the seat");
        for (int i = 0; i < 20; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(20));   // it asks again meanwhile
            await Task.Delay(1, Cancel);
        }

        Assert.False(joining.IsCompleted, "the join was still waiting for the host's address");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);

        Assert.Null(multiplayer.CurrentSession);
        Assert.False((await Services.Sessions.GetSessionAsync(grant.Session.Id, Cancel))!.IsMember(joinerPlayer), "the directory has the seat back");
    }
}
