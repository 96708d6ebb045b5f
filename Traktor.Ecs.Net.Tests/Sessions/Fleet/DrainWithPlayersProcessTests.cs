using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Demo;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// docs/DEPLOY.md's drain (SIGTERM on pod deletion or before an upgrade) of a game server with a player on it, as real
/// processes: the player is told nothing and keeps playing in its session, the directory lists the server as draining and
/// seats no one new there (a quick-join whose filter matches that session, which has room, gets a new session on the other
/// server), and the process exits 0 once its last session has ended: here when the player left and the directory ended the
/// empty session. A match that never ends (the demo arena's) keeps a draining server up as long as someone plays in it,
/// unless <c>--drain-sessions-timeout</c> bounds it: then the server ends the match itself, its player is told
/// <see cref="SessionEndReason.ServerShutdown"/> at once, and it exits 0 with a <c>drain-timed-out</c> line.
/// </summary>
[Collection(nameof(FleetProcessCollection))]
public sealed class DrainWithPlayersProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_draining_game_server_keeps_its_players_seats_no_one_new_and_exits_0_once_its_session_ends()
    {
        await using var fleet = await ProcessFleet.CreateAsync(postgres: false, deadAfterMs: 15_000);
        await fleet.StartBackendAsync("--Online:Sessions:EmptySessionTimeoutSeconds=2");
        var draining = await fleet.StartServerAsync("gs-draining");
        var player = fleet.AddPlayer("stayer");
        var endsTold = new List<SessionEndReason>();
        player.Multiplayer.SessionEnded += (_, reason) =>
        {
            lock (endsTold)
            {
                endsTold.Add(reason);
            }
        };
        var session = await player.Multiplayer.CreateSessionAsync("staying", 4, Cancel).WaitAsync(Patience, Cancel);
        Assert.Equal(draining.ServerId, session.ServerId);
        Assert.True(await draining.WaitForAsync(() => draining.Status.Players == 1, Patience), draining.Output);
        var other = await fleet.StartServerAsync("gs-other");

        draining.Terminate();
        using var http = new HttpClient { BaseAddress = fleet.BackendAddress, Timeout = TimeSpan.FromSeconds(10) };
        var directory = new HttpGameServerFleet(new OnlineBackendClient(http, BackendTestServer.ServerKey));
        Assert.True(await UntilAsync(async () => (await directory.ListServersAsync(Cancel))
            .Any(s => s.ServerId == draining.ServerId && s.State == GameServerState.Draining)), "the directory never listed the server as draining:\n" + draining.Output);

        var newcomer = fleet.AddPlayer("newcomer");
        var placed = await newcomer.Multiplayer.QuickJoinAsync(new SessionFilter { NameContains = "staying" }, cancellationToken: Cancel).WaitAsync(Patience, Cancel);
        Assert.NotEqual(session.Id, placed.Id);
        Assert.Equal(other.ServerId, placed.ServerId);

        // Two status lines later (each printed a second apart) the server still runs its session with the player in it.
        await draining.NextStatusAsync();
        await draining.NextStatusAsync();
        Assert.False(draining.Process.HasExited, draining.Output);
        Assert.Equal((1, 1), (draining.Status.Sessions, draining.Status.Players));
        Assert.Equal(session.Id, player.Multiplayer.CurrentSession?.Id);
        Assert.Equal(ClientState.Connected, player.Transport.State);

        await player.Multiplayer.LeaveSessionAsync(Cancel).WaitAsync(Patience, Cancel);
        Assert.True(draining.Process.WaitForExit(Patience), "the drained server did not exit once its session was empty:\n" + draining.Output);
        draining.Process.WaitForExit(); // the output read to its end
        Assert.Equal(0, draining.Process.ExitCode);
        Assert.Contains($"drained server={draining.ServerId}", draining.Output);
        lock (endsTold)
        {
            Assert.Empty(endsTold); // it left on its own: no end to be told of
        }
    }

    [Fact]
    public async Task A_draining_game_server_ends_a_match_that_outlives_the_sessions_timeout_and_tells_its_player()
    {
        await using var fleet = await ProcessFleet.CreateAsync(postgres: false, deadAfterMs: 15_000);
        await fleet.StartBackendAsync();
        var draining = await fleet.StartServerAsync("gs-bounded", extraArgs: ["--drain-sessions-timeout", "2"]);
        var player = fleet.AddPlayer("endless");
        var endsTold = new List<SessionEndReason>();
        player.Multiplayer.SessionEnded += (_, reason) =>
        {
            lock (endsTold)
            {
                endsTold.Add(reason);
            }
        };
        var session = await player.Multiplayer.CreateSessionAsync("endless", 4, Cancel).WaitAsync(Patience, Cancel);
        Assert.True(await draining.WaitForAsync(() => draining.Status.Players == 1, Patience), draining.Output);

        draining.Terminate();
        Assert.True(draining.Process.WaitForExit(Patience), "the draining server kept its endless match past the timeout:\n" + draining.Output);
        draining.Process.WaitForExit(); // the output read to its end
        Assert.Equal(0, draining.Process.ExitCode);
        Assert.Contains($"drain-timed-out server={draining.ServerId} timeout-s=2 sessions=1 players=1 ids={session.Id} deregistered=true unopened=", draining.Output);
        Assert.Matches(@"deregistered=true unopened=\r?$", draining.Output.Split('\n').Single(line => line.StartsWith("drain-timed-out", StringComparison.Ordinal))); // none never opened
        Assert.True(await UntilAsync(() =>
        {
            lock (endsTold)
            {
                return Task.FromResult(endsTold.Count > 0);
            }
        }), "the player was not told its session ended:\n" + draining.Output);
        lock (endsTold)
        {
            Assert.Equal([SessionEndReason.ServerShutdown], endsTold);
        }
    }

    /// <summary>Asks again every 100 ms until <paramref name="condition"/> holds, or <see cref="Patience"/> (a hang guard) passes.</summary>
    private static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100, Cancel);
        }

        return false;
    }
}
