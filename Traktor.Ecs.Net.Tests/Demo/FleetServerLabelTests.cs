using System.Security.Cryptography;
using Demo;
using Demo.Console;
using Demo.Fleet;
using Demo.Run;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The demo's bots against a fleet deployed elsewhere (<c>--backend URL</c>) reported each session's game server by its
/// fleet id (a random string), and listed no server at all. With the operator's server key the report names them,
/// "name (id)"; without it, it shows the ids and says why.
/// </summary>
public sealed class FleetServerLabelTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_server_key_the_fleets_server_names_are_read_and_a_session_is_labelled_name_and_id()
    {
        await using var server = await BackendTestServer.StartAsync(null, null,
            $"--Online:Sessions:GameServerKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}");
        var lease = await new HttpGameServerFleet(server.CreateBackendClient()).RegisterServerAsync(
            new GameServerRegistration(["127.0.0.1:27961"], 64, 8, "arena-eu-1"), Cancel);

        var (names, missing) = await ServerLabels.FetchAsync(server.BaseAddress, BackendTestServer.ServerKey, Cancel);
        Assert.Null(missing);
        Assert.Equal($"arena-eu-1 ({lease.ServerId})", ServerLabels.Of(lease.ServerId, names));
        Assert.Equal("unknown-id", ServerLabels.Of("unknown-id", names));   // a server gone from the list keeps its id

        var (none, why) = await ServerLabels.FetchAsync(server.BaseAddress, serverKey: null, Cancel);
        Assert.Empty(none);
        Assert.Contains("TRAKTOR_SERVER_KEY", why);
        Assert.Equal(lease.ServerId, ServerLabels.Of(lease.ServerId, none));

        var (refused, reason) = await ServerLabels.FetchAsync(server.BaseAddress, "not-the-server-key", Cancel);
        Assert.Empty(refused);
        Assert.Contains("did not list", reason);
    }

    [Fact]
    public void The_summary_of_a_run_against_a_deployed_fleet_lists_each_server_by_its_label()
    {
        var report = new RunReport
        {
            Options = new DemoOptions { Mode = DemoMode.Players, Bots = 4, BackendAddress = "http://fleet.example:8080" },
            OutputFolder = "/tmp/none",
            PlayedSeconds = 5,
            BotsRequested = 4,
            BotsConnected = 4,
            Fleet = new FleetReport([],
                [new FleetSessionRow("s1", "arena-eu-1 (a1b2)", 2, 2), new FleetSessionRow("s2", "arena-eu-2 (c3d4)", 1, 2), new FleetSessionRow("s3", "arena-eu-1 (a1b2)", 1, 2)],
                4, 0, null),
        };

        var summary = SummaryText.Lines(report).ToList();
        Assert.Contains("  arena-eu-1 (a1b2): 2 sessions with 3 players at the end", summary);
        Assert.Contains("  arena-eu-2 (c3d4): 1 sessions with 1 players at the end", summary);
        Assert.DoesNotContain(summary, line => line.Contains("game servers by id", StringComparison.Ordinal));

        var byId = report with { Fleet = report.Fleet with { ServerNamesMissing = "set TRAKTOR_SERVER_KEY to show names" } };
        Assert.Contains("  (game servers by id: set TRAKTOR_SERVER_KEY to show names)", SummaryText.Lines(byId).ToList());
    }
}
