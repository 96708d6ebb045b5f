using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// Game-server hosts in a fleet, on virtual time: placement on the least-loaded live server, assignments learned by
/// heartbeat (or from a ticket before it), a silent server declared dead with its players told why and placed
/// elsewhere, a dead server coming back registering anew, and draining. Run against the directory in process and
/// through backend nodes over HTTP.
/// </summary>
public abstract class FleetHostingContract<THarness> where THarness : IDirectoryHarness, new()
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<long[]> PlayersAsync(DirectoryNode node, int count)
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = (await node.Authentication.RegisterAsync($"pilot{i}", "correct horse battery", Cancel)).UserId;
        }

        return ids;
    }

    private static async Task<FleetRig.Player> JoinAndConnectAsync(FleetRig rig, DirectoryNode node, SessionId session, long userId)
    {
        var join = await node.Sessions.JoinSessionAsync(session, userId, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, join.Status);
        var player = rig.Players.SingleOrDefault(p => p.UserId == userId) ?? rig.AddPlayer(userId);
        player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => player.State == ClientState.Connected, 300), $"player {userId} did not connect");
        return player;
    }

    [Fact]
    public async Task SessionsRunOnTheLeastLoadedServerAndSurviveTheDeathOfOne()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 2);
        using var rig = new FleetRig(directory);
        var a = await rig.StartServerAsync(directory.Nodes[0]);
        var b = await rig.StartServerAsync(directory.Nodes[1]);
        long[] ids = await PlayersAsync(directory.Node, 4);

        // Two sessions go to two servers: the second to the emptier one.
        var first = await directory.Nodes[0].Sessions.CreateSessionAsync(new SessionOptions("first", 2), Cancel);
        var second = await directory.Nodes[1].Sessions.CreateSessionAsync(new SessionOptions("second", 2), Cancel);
        Assert.NotEqual(first.ServerId, second.ServerId);
        var doomed = rig.Servers.Single(s => s.Id == first.ServerId);
        var survivor = rig.Servers.Single(s => s.Id == second.ServerId);

        // Players arrive before any heartbeat: their sealed tickets open the sessions at once.
        Assert.Equal(0, doomed.Host.Heartbeats + survivor.Host.Heartbeats);
        var p0 = await JoinAndConnectAsync(rig, directory.Node, first.Id, ids[0]);
        var p1 = await JoinAndConnectAsync(rig, directory.Nodes[1], first.Id, ids[1]);
        var p2 = await JoinAndConnectAsync(rig, directory.Node, second.Id, ids[2]);
        Assert.Equal([first.Id], doomed.Host.Sessions);
        Assert.Equal([second.Id], survivor.Host.Sessions);
        Assert.True(await rig.TickUntilAsync(() => p0.Joins.Received.Count == 2 && p1.Joins.Received.Count == 2, 120));
        Assert.Equal([(ulong)ids[0], (ulong)ids[1]], p0.Joins.Received.Select(j => j.Rpc.PlayerId));
        Assert.Equal("pilot1", p0.Joins.Received[1].Rpc.Name.ToString());

        // Heartbeats report who is connected; the fleet shows each server's load.
        await rig.TickAsync(90);
        Assert.True(doomed.Host.Heartbeats >= 1);
        var servers = await directory.Node.Fleet.ListServersAsync(Cancel);
        Assert.Equal(2, servers.Single(s => s.ServerId == doomed.Id).ConnectedPlayers);
        Assert.Equal(1, servers.Single(s => s.ServerId == survivor.Id).LiveSessions);

        // The doomed server is killed: no more ticks, no more heartbeats (the whole process stops).
        doomed.Running = false;
        var killedAt = rig.Time.GetUtcNow();
        bool declared = false;
        Assert.True(await rig.TickUntilAsync(() => p0.State == ClientState.Disconnected && p1.State == ClientState.Disconnected, 60 * 10));
        Assert.Equal(DisconnectReason.TimedOut, p0.Client.Transport.LastDisconnectReason);
        for (int i = 0; i < 60 * 10 && !declared; i++)
        {
            await rig.TickAsync(15);
            declared = (await directory.Nodes[1].Sweep()).ServersDeclaredDead == 1;
        }

        Assert.True(declared);
        Assert.InRange(rig.Time.GetUtcNow() - killedAt, DirectoryTestSettings.DeadAfter - TimeSpan.FromSeconds(1), DirectoryTestSettings.DeadAfter + TimeSpan.FromSeconds(1));
        var lost = (await directory.Node.Sessions.GetSessionAsync(first.Id, Cancel))!;
        Assert.Equal(SessionEndReason.ServerLost, lost.EndReason); // what the players are shown

        // Its players quick-join: the survivor's session has room for one, and a new session is placed on the survivor.
        var filter = new SessionFilter();
        var create = new SessionOptions("rescue", 2);
        foreach (var player in new[] { p0, p1 })
        {
            var join = await directory.Node.Sessions.QuickJoinAsync(player.UserId, filter, create, Cancel);
            Assert.Equal(SessionJoinStatus.Joined, join.Status);
            Assert.Equal(survivor.Id, join.Session!.ServerId);
            player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        }

        Assert.True(await rig.TickUntilAsync(() => p0.State == ClientState.Connected && p1.State == ClientState.Connected, 300));
        Assert.Equal(2, survivor.Host.Sessions.Count);
        Assert.Contains(second.Id, survivor.Host.Sessions);
        Assert.True(await rig.TickUntilAsync(() => p2.Joins.Received.Count == 2, 120)); // p2 saw a rescued player arrive

        // The killed process wakes up (a long pause, not a crash): it is told it is dead, drops its sessions, registers anew.
        string oldId = doomed.Id;
        doomed.Running = true;
        Assert.True(await rig.TickUntilAsync(() => doomed.Host.Registrations == 2 && doomed.Host.Sessions.Count == 0, 300));
        Assert.NotEqual(oldId, doomed.Id);
        Assert.Equal(GameServerState.Dead, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single(s => s.ServerId == oldId).State);

        // The next session goes to the re-registered (empty) server, not to the dead id.
        var third = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("third", 2), Cancel);
        Assert.Equal(doomed.Id, third.ServerId);
    }

    [Fact]
    public async Task AServerWhoseTickStallsLongerThanTheDeadTimeoutStaysAliveWithItsSessions()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Sweeping = true };
        var server = await rig.StartServerAsync(directory.Node);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("stalled", 2), Cancel);
        Assert.True(await rig.TickUntilAsync(() => server.Host.Sessions.Count == 1, 120));

        // The tick stalls (a session's first start, a long collection, a starved process) for twice the dead timeout while
        // the directory sweeps: the process lives, so its heartbeats go on and it is not declared dead.
        server.TickBlocked = true;
        long heartbeatsBefore = server.Host.Heartbeats;
        var stalledAt = rig.Time.GetUtcNow();
        while (rig.Time.GetUtcNow() - stalledAt < DirectoryTestSettings.DeadAfter * 2)
        {
            await rig.TickAsync(15);
        }

        Assert.True(server.Host.Heartbeats >= heartbeatsBefore + 8, $"{server.Host.Heartbeats - heartbeatsBefore} heartbeats during the stall");
        var status = Assert.Single(await directory.Node.Fleet.ListServersAsync(Cancel));
        Assert.Equal(GameServerState.Live, status.State);
        Assert.Equal(1, status.LiveSessions);
        var during = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, during.State);
        Assert.Equal(SessionEndReason.None, during.EndReason);

        // The tick resumes: the same registration, the same session, still placeable.
        server.TickBlocked = false;
        await rig.TickAsync(120);
        Assert.Equal(1, server.Host.Registrations);
        Assert.Equal(GameServerState.Live, server.Host.State);
        Assert.Equal([session.Id], server.Host.Sessions);
        var next = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("after the stall", 2), Cancel);
        Assert.Equal(server.Id, next.ServerId);
    }

    [Fact]
    public async Task ADrainingServerTakesNothingNewAndDeregistersWhenItsLastSessionEnds()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        long[] ids = await PlayersAsync(directory.Node, 2);
        var a = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("a", 2), Cancel);
        var b = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("b", 2), Cancel);
        var pa = await JoinAndConnectAsync(rig, directory.Node, a.Id, ids[0]);

        // Session b has nobody yet: the host learns it from a heartbeat, not from a ticket.
        Assert.True(await rig.TickUntilAsync(() => server.Host.Sessions.Count == 2, 120));

        server.Host.Drain();
        await rig.TickAsync(90);
        Assert.Equal(GameServerState.Draining, server.Host.State);
        var refused = await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Sessions.CreateSessionAsync(new SessionOptions("c", 2), Cancel));
        Assert.Equal(OnlineError.Unavailable, refused.Error);

        // Its sessions still run: a player can still join one.
        var pb = await JoinAndConnectAsync(rig, directory.Node, b.Id, ids[1]);
        Assert.False(server.Host.Completion.IsCompleted);

        Assert.True(await directory.Node.Sessions.EndSessionAsync(a.Id, Cancel));
        Assert.True(await rig.TickUntilAsync(() => pa.State == ClientState.Disconnected, 180));
        Assert.Equal(DisconnectReason.SessionEnded, pa.Client.Transport.LastDisconnectReason);
        await rig.TickAsync(90);
        Assert.False(server.Host.Completion.IsCompleted); // b still runs

        Assert.True(await directory.Node.Sessions.EndSessionAsync(b.Id, Cancel));
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 300));
        Assert.Equal(ClientState.Disconnected, pb.State);
        Assert.Empty(server.Host.Sessions);
        Assert.Equal(GameServerState.Gone, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single().State);
    }

    [Fact]
    public async Task A_player_that_leaves_through_the_directory_while_connected_is_told_LeftSession_and_one_removed_Kicked()
    {
        // Before TRKNET17 the game server told every player whose seat the directory freed Kicked: a player that left from
        // another device (or through the raw API, not the facade, which disconnects first) read as removed by the game.
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        await rig.StartServerAsync(directory.Node);
        long[] ids = await PlayersAsync(directory.Node, 3);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("leaves", 3), Cancel);
        var leaver = await JoinAndConnectAsync(rig, directory.Node, session.Id, ids[0]);
        var removed = await JoinAndConnectAsync(rig, directory.Node, session.Id, ids[1]);
        var stayer = await JoinAndConnectAsync(rig, directory.Node, session.Id, ids[2]);

        // pilot0 leaves from another device, logged in as itself, while its game is still connected. Over HTTP it may not
        // pass its own leave off as a removal.
        var (authentication, own) = directory.Node.ConnectPlayer();
        await authentication.LoginAsync("pilot0", "correct horse battery", Cancel);
        if (own is HttpSessions)
        {
            var forged = await Assert.ThrowsAsync<OnlineException>(() => own.LeaveSessionAsync(session.Id, ids[0], SessionLeaveReason.Removed, Cancel));
            Assert.Equal(OnlineError.Forbidden, forged.Error);
        }

        Assert.True(await own.LeaveSessionAsync(session.Id, ids[0], Cancel));
        Assert.True(await rig.TickUntilAsync(() => leaver.State == ClientState.Disconnected, 180));
        Assert.Equal(DisconnectReason.LeftSession, leaver.Client.Transport.LastDisconnectReason);

        // The game's own server (server key) removes pilot1: that is still a kick.
        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, ids[1], SessionLeaveReason.Removed, Cancel));
        Assert.True(await rig.TickUntilAsync(() => removed.State == ClientState.Disconnected, 180));
        Assert.Equal(DisconnectReason.Kicked, removed.Client.Transport.LastDisconnectReason);

        // The one who stayed heard both go and is still playing.
        Assert.True(await rig.TickUntilAsync(() => stayer.Leaves.Received.Count == 2, 120));
        Assert.Equal(ClientState.Connected, stayer.State);
    }

    [Fact]
    public async Task A_player_that_rejoined_while_a_heartbeat_listing_its_old_departure_was_in_flight_stays()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        long[] ids = await PlayersAsync(directory.Node, 1);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("rejoin", 4), Cancel);
        var pilot = await JoinAndConnectAsync(rig, directory.Node, session.Id, ids[0]);

        // The pilot's game disconnects and it leaves; the server's next heartbeat is read, listing that departure, and its
        // answer is slow to come back.
        pilot.Client.Transport.Disconnect();
        await rig.TickAsync(10);
        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, ids[0], Cancel));
        server.Fleet.HoldAnswers();
        Assert.True(await rig.TickUntilAsync(() => server.Fleet.HeldAnswer.IsCompleted, 600), "no heartbeat was read");
        var held = await server.Fleet.HeldAnswer;
        Assert.Contains(held.Sessions.Single(s => s.Session.Id == session.Id).Departures, d => d.UserId == ids[0]);

        // Meanwhile it joins again (the directory clears the departure) and is back on the server, within its reconnect grace.
        await JoinAndConnectAsync(rig, directory.Node, session.Id, ids[0]);

        // The answer arrives. Before, the relay applied the departure it listed and cut the pilot (LeftSession).
        server.Fleet.ReleaseAnswers();
        await rig.TickAsync(120);
        Assert.Equal(ClientState.Connected, pilot.State);
        Assert.Equal([(ulong)ids[0]], server.Worlds.Single().Relay.PresentPlayers);
    }
}

public sealed class SqliteFleetHostingTests : FleetHostingContract<SqliteDirectoryHarness>;
public sealed class HttpSqliteFleetHostingTests : FleetHostingContract<HttpSqliteDirectoryHarness>;
public sealed class PostgresFleetHostingTests : FleetHostingContract<PostgresDirectoryHarness>;
public sealed class HttpPostgresFleetHostingTests : FleetHostingContract<HttpPostgresDirectoryHarness>;
