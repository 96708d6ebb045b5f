using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A game server drained (SIGTERM) while its backend is down: it waits for the directory at most
/// <see cref="GameServerHost.DrainBackendTimeout"/> of silence, then gives up, says which sessions it still hosted, and
/// tries to deregister for at most <see cref="GameServerHost.DrainDeregisterTimeout"/> before it completes.
/// On the directory's fake clock, SQLite in process; the backend "goes down" by failing every call of the server's.
/// </summary>
public sealed class DrainWithoutBackendTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(FleetRig.Server Server, FleetRig.Player Player, SessionId Session, long UserId)> HostOneSessionAsync(FleetRig rig, DirectoryContext directory)
    {
        var server = await rig.StartServerAsync(directory.Node);
        long userId = (await directory.Node.Authentication.RegisterAsync("pilot", "correct horse battery", Cancel)).UserId;
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("stranded", 2), Cancel);
        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
        var player = rig.AddPlayer(userId);
        player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => player.State == ClientState.Connected, 300), "the player did not connect");
        return (server, player, session.Id, userId);
    }

    [Fact]
    public async Task A_drain_with_the_backend_down_gives_up_after_the_timeout_and_reports_the_sessions_still_hosted()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, player, session, userId) = await HostOneSessionAsync(rig, directory);
        server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(10);

        server.Fleet.Unreachable = true;
        server.Host.Drain();
        await rig.TickAsync(60 * 9);
        Assert.False(server.Host.Completion.IsCompleted); // still within its patience: the session plays on
        Assert.Equal(GameServerExit.Running, server.Host.Exit);
        Assert.Equal(ClientState.Connected, player.State);
        Assert.True(server.Host.HeartbeatFailures > 0);

        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * (3 + 5)), "the drain still waits for a backend that is down");
        Assert.Equal(GameServerExit.BackendUnreachable, server.Host.Exit);
        var abandoned = Assert.Single(server.Host.AbandonedSessions);
        Assert.Equal(session, abandoned.SessionId);
        Assert.Equal([userId], abandoned.Connected);
        long calls = server.Host.Heartbeats + server.Host.HeartbeatFailures;
        await rig.TickAsync(60 * 5);
        Assert.Equal(calls, server.Host.Heartbeats + server.Host.HeartbeatFailures); // it stopped calling the directory
    }

    [Fact]
    public async Task Each_answer_of_the_directory_restarts_the_drains_patience_and_a_normal_drain_still_completes()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, player, session, _) = await HostOneSessionAsync(rig, directory);
        server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(10);
        server.Host.Drain();

        // Down for 8 s, up for 2 s (heartbeats answered), down for 8 s more: never 10 s of silence in a row.
        server.Fleet.Unreachable = true;
        await rig.TickAsync(60 * 8);
        server.Fleet.Unreachable = false;
        long answered = server.Host.Heartbeats;
        Assert.True(await rig.TickUntilAsync(() => server.Host.Heartbeats > answered, 60 * 2));
        server.Fleet.Unreachable = true;
        await rig.TickAsync(60 * 8);
        Assert.False(server.Host.Completion.IsCompleted);
        Assert.Equal(ClientState.Connected, player.State);

        server.Fleet.Unreachable = false;
        Assert.True(await directory.Node.Sessions.EndSessionAsync(session, Cancel));
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 5));
        Assert.Equal(GameServerExit.Drained, server.Host.Exit);
        Assert.Empty(server.Host.AbandonedSessions);
        Assert.Equal(GameServerState.Gone, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single().State);
    }

    [Fact]
    public async Task A_drain_that_gave_up_deregisters_when_the_backend_is_back_within_the_deregistration_bound()
    {
        // Before: giving up completed the host at once, unregistered; the directory kept the session live (and its player's
        // seat) until it declared the server dead.
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, _, session, _) = await HostOneSessionAsync(rig, directory);
        server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(10);
        Assert.Equal(GameServerHost.DefaultDrainDeregisterTimeout, server.Host.DrainDeregisterTimeout);

        server.Fleet.Unreachable = true;
        server.Host.Drain();
        Assert.True(await rig.TickUntilAsync(() => server.Host.AbandonedSessions.Count > 0, 60 * 12), "the drain did not give up");
        long failures = server.Host.HeartbeatFailures;
        await rig.TickAsync(60 * 2);
        Assert.False(server.Host.Completion.IsCompleted); // still trying to deregister

        server.Fleet.Unreachable = false;
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 3), "the drain did not complete");
        Assert.Equal(GameServerExit.BackendUnreachable, server.Host.Exit);
        Assert.Equal(GameServerState.Gone, server.Host.State);
        Assert.Equal(GameServerState.Gone, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single().State);
        var ended = await directory.Node.Sessions.GetSessionAsync(session, Cancel);
        Assert.Equal(SessionState.Ended, ended!.State);
        Assert.Equal(SessionEndReason.ServerShutdown, ended.EndReason);
        Assert.Equal(failures, server.Host.HeartbeatFailures); // deregistration attempts are not heartbeats
    }

    [Fact]
    public async Task A_drain_that_gave_up_completes_within_the_deregistration_bound_when_the_backend_stays_down()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, _, _, _) = await HostOneSessionAsync(rig, directory);
        server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(10);
        server.Host.DrainDeregisterTimeout = TimeSpan.FromSeconds(3);

        server.Fleet.Unreachable = true;
        server.Host.Drain();
        Assert.True(await rig.TickUntilAsync(() => server.Host.AbandonedSessions.Count > 0, 60 * 12), "the drain did not give up");
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 3 + 1), "the drain outlived its deregistration bound");
        Assert.Equal(GameServerExit.BackendUnreachable, server.Host.Exit);
        Assert.NotEqual(GameServerState.Gone, server.Host.State);
        Assert.NotEqual(GameServerState.Gone, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single().State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(61)]
    public async Task The_deregistration_bound_must_be_positive_and_at_most_a_minute(int seconds)
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Host.DrainDeregisterTimeout = TimeSpan.FromSeconds(seconds));
        Assert.Equal(GameServerHost.DefaultDrainDeregisterTimeout, server.Host.DrainDeregisterTimeout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(86_401)]
    public async Task The_drain_timeout_must_be_positive_and_at_most_a_day(int seconds)
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        Assert.Equal(GameServerHost.DefaultDrainBackendTimeout, server.Host.DrainBackendTimeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(seconds));
        Assert.Equal(GameServerHost.DefaultDrainBackendTimeout, server.Host.DrainBackendTimeout);
    }
}
