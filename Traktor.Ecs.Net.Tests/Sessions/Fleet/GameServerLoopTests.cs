using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A game server driven the way a <see cref="NetworkServer"/> is: one system of a group on a <see cref="NetworkLoop"/>,
/// its process's main loop <c>loop.RunAsync(host.Completion)</c>, drained from another thread (a SIGTERM handler). On the
/// directory's fake clock, SQLite in process.
/// </summary>
public sealed class GameServerLoopTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_game_server_in_a_loops_group_hosts_a_session_and_RunAsync_ends_when_its_drain_completes()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        server.TickBlocked = true; // the rig ticks the players and awaits the heartbeats; only the loop ticks the host
        var loop = new NetworkLoop(tickRate: 60, rig.Time).Add(new Group<float>("game server", server.Host));

        long userId = (await directory.Node.Authentication.RegisterAsync("pilot", "correct horse battery", Cancel)).UserId;
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("looped", 2), Cancel);
        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
        var player = rig.AddPlayer(userId);
        player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        for (int i = 0; i < 300 && player.State != ClientState.Connected; i++)
        {
            await rig.TickAsync();
            loop.Update();
        }

        Assert.Equal(ClientState.Connected, player.State);
        Assert.Equal([session.Id], server.Host.Sessions);
        Assert.Equal([userId], server.Host.Report().Single().Connected);

        // SIGTERM arrives on another thread; then the directory ends the session. RunAsync returns once the host deregistered.
        await Task.Run(server.Host.Drain, Cancel);
        Assert.True(server.Host.IsDraining);
        Assert.True(await directory.Node.Sessions.EndSessionAsync(session.Id, Cancel));
        var running = loop.RunAsync(server.Host.Completion, Cancel);
        for (int i = 0; i < 600 && !running.IsCompleted; i++)
        {
            await rig.TickAsync(); // moves the clock: the loop's wait ends and it ticks the host
            await Task.Yield();
        }

        Assert.True(running.IsCompleted, "RunAsync still running 10 s of game time after the drain");
        await running;
        Assert.True(server.Host.Completion.IsCompleted);
        Assert.Equal(ClientState.Disconnected, player.State);
        Assert.Equal(DisconnectReason.SessionEnded, player.Client.Transport.LastDisconnectReason);
        Assert.Equal(GameServerState.Gone, (await directory.Node.Fleet.ListServersAsync(Cancel)).Single().State);
        long ticks = loop.Ticks;
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Yield();
        Assert.Equal(ticks, loop.Ticks); // it stopped ticking
    }
}
