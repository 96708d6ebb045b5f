using Demo;
using Traktor.Ecs.Net.Tests.Demo;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A real <c>Demo.dll --game-server</c> process SIGTERMed after its backend went away: it does not drain forever, but exits
/// with code 3 once the backend has answered nothing for <c>--drain-timeout</c> seconds, naming the session it still hosted.
/// </summary>
[Collection(nameof(FleetProcessCollection))]
public sealed class GameServerDrainProcessTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_game_server_draining_with_its_backend_gone_exits_3_after_the_drain_timeout_and_names_its_sessions()
    {
        await using var fleet = await ProcessFleet.CreateAsync(postgres: false, deadAfterMs: 15_000);
        await fleet.StartBackendAsync();
        var server = await fleet.StartServerAsync("gs-stranded", extraArgs: ["--drain-timeout", "2"]);
        var player = fleet.AddPlayer("pilot");
        var session = await player.Multiplayer.CreateSessionAsync("stranded", 2, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        Assert.True(await server.WaitForAsync(() => server.Status.Players == 1, TimeSpan.FromSeconds(30)), server.Output);

        await fleet.StopBackendAsync();
        server.Terminate();
        Assert.True(server.Process.WaitForExit(60_000), "the game server still drains, a minute after SIGTERM with its backend gone:\n" + server.Output);
        server.Process.WaitForExit(); // the output read to its end
        Assert.Equal(3, server.Process.ExitCode);
        Assert.Contains($"drain-abandoned server={server.ServerId} reason=backend-unreachable timeout-s=2 sessions=1 players=1 ids={session.Id} deregistered=false unopened=", server.Output);
        // Its one session opened here, so none is reported as never opened (GameServerExitLineTests shows a listed one).
        Assert.Matches(@"deregistered=false unopened=\r?$", server.Output.Split('\n').Single(line => line.StartsWith("drain-abandoned", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    [InlineData("soon")]
    public void The_drain_timeout_option_is_validated(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--game-server", "--drain-timeout", value]));
        Assert.Contains("--drain-timeout", refused.Message);
        Assert.Equal(60, DemoOptions.Parse(["--game-server"]).DrainTimeoutSeconds);
        Assert.Equal(2.5, DemoOptions.Parse(["--game-server", "--drain-timeout", "2.5"]).DrainTimeoutSeconds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    [InlineData("never")]
    public void The_drain_sessions_timeout_option_is_validated(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--game-server", "--drain-sessions-timeout", value]));
        Assert.Contains("--drain-sessions-timeout", refused.Message);
        Assert.Null(DemoOptions.Parse(["--game-server"]).DrainSessionsTimeoutSeconds);
        Assert.Equal(570, DemoOptions.Parse(["--game-server", "--drain-sessions-timeout", "570"]).DrainSessionsTimeoutSeconds);
    }
}
