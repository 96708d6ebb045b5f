using Demo;
using Demo.Fleet;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// The last line <c>Demo --game-server</c> prints after a drain that gave up (docs/DEPLOY.md), built from a host drained on
/// the directory's fake clock: its <c>unopened=</c> field names the sessions the directory listed here that never opened
/// (a real process cannot make the arena's session factory throw, so <see cref="GameServerDrainProcessTests"/> sees it empty).
/// </summary>
public sealed class GameServerExitLineTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_drain_abandoned_on_a_silent_backend_names_the_hosted_and_the_never_opened_sessions_and_exits_3()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, running, broken) = await StartAsync(rig);
        server.Host.DrainBackendTimeout = TimeSpan.FromSeconds(2);

        server.Fleet.Unreachable = true;
        server.Host.Drain();
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 10), "the drain outlived its backend timeout and deregistration bound");

        var (line, exitCode) = GameServerExitLine.For(server.Host, DemoOptions.Parse(["--game-server", "--drain-timeout", "2"]));
        Assert.Equal($"drain-abandoned server={server.Id} reason=backend-unreachable timeout-s=2 sessions=1 players=0 ids={running} deregistered=false unopened={broken}", line);
        Assert.Equal(3, exitCode);
    }

    [Fact]
    public async Task A_drain_timed_out_on_its_sessions_names_the_never_opened_ones_and_exits_0()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, running, broken) = await StartAsync(rig);
        server.Host.DrainSessionsTimeout = TimeSpan.FromSeconds(2);

        server.Host.Drain();
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 6), "the drain outlived its sessions' timeout");

        var (line, exitCode) = GameServerExitLine.For(server.Host, DemoOptions.Parse(["--game-server", "--drain-sessions-timeout", "2"]));
        Assert.Equal($"drain-timed-out server={server.Id} timeout-s=2 sessions=1 players=0 ids={running} deregistered=true unopened={broken}", line);
        Assert.Equal(0, exitCode);
    }

    /// <summary>A server hosting one session ("running") and failing to open another ("broken": its factory throws).</summary>
    private static async Task<(FleetRig.Server Server, SessionId Running, SessionId Broken)> StartAsync(FleetRig rig)
    {
        var directory = rig.Directory;
        var server = await rig.StartServerAsync(directory.Node,
            world => world.Session.Name == "broken" ? throw new InvalidOperationException("the game's session setup is broken") : world);
        var running = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("running", 2), Cancel);
        var broken = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("broken", 2), Cancel);
        Assert.True(await rig.TickUntilAsync(() => server.Host.Sessions.Count == 1 && server.Host.SessionOpeningFailures > 0, 60 * 3),
            "no heartbeat listed both sessions");
        return (server, running.Id, broken.Id);
    }
}
