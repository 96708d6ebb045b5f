using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The built demo across NATs (<c>--nat</c>): a standalone introducer process, a host behind a port-restricted NAT whose
/// own bots (behind port-restricted NATs too) punch through, and a second process whose bots sit behind symmetric NATs
/// and must go through the introducer's relay. Every process is a real one; the NATs are simulated in each, over
/// real UDP sockets on loopback.
/// </summary>
[Collection(nameof(DemoCollection))]
public partial class NatDemoTests
{
    [GeneratedRegex(@"--client (?<address>[0-9.]+:\d+) --nat KIND --introducer-address (?<introducer>[0-9.]+:\d+) --rendezvous (?<rendezvous>[0-9a-f-]{36})")]
    private static partial Regex JoinLine();

    [Fact]
    public async Task A_host_behind_a_nat_is_reached_punched_and_relayed_through_a_standalone_introducer()
    {
        string demo = typeof(DemoRunner).Assembly.Location;
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        string hostFolder = Path.Combine(folder, "host"), clientFolder = Path.Combine(folder, "client");
        int introducerPort = LoopbackPorts.FreeUdp();
        try
        {
            using var introducer = new ChildProcess("dotnet", [demo, "--introducer", "--port", $"{introducerPort}", "--duration", "600"]);
            using var host = new ChildProcess("dotnet", [demo, "--host", "--nat", "port-restricted", "--introducer-address", $"127.0.0.1:{introducerPort}",
                "--bots", "2", "--duration", "12", "--headless", "--no-profiler", "--out", hostFolder]);

            // The host prints the joining command once the introducer told it its public endpoint (generous: a busy machine starts dotnet slowly).
            Match join = Match.Empty;
            for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline && !(join = JoinLine().Match(host.Output)).Success;)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }

            Assert.True(join.Success, $"no join line from the host:\n{host.Output}\nintroducer:\n{introducer.Output}");
            Assert.Equal($"127.0.0.1:{introducerPort}", join.Groups["introducer"].Value);
            using var client = new ChildProcess("dotnet", [demo, "--client", join.Groups["address"].Value, "--nat", "symmetric",
                "--introducer-address", join.Groups["introducer"].Value, "--rendezvous", join.Groups["rendezvous"].Value,
                "--bots", "2", "--duration", "3", "--headless", "--no-profiler", "--out", clientFolder]);
            int? clientExit = await client.WaitAsync(TimeSpan.FromSeconds(120));
            int? hostExit = await host.WaitAsync(TimeSpan.FromSeconds(60));
            introducer.Signal("TERM");
            int? introducerExit = await introducer.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(clientExit == 0, $"client exit {clientExit}:\n{client.Output}");
            Assert.True(hostExit == 0, $"host exit {hostExit}:\n{host.Output}");
            Assert.True(introducerExit == 0, $"introducer exit {introducerExit}:\n{introducer.Output}");

            using var hostReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(hostFolder, "report.json")));
            using var clientReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(clientFolder, "report.json")));
            var root = hostReport.RootElement;

            // Port-restricted against port-restricted punches; a symmetric NAT defeats punching and is relayed.
            Assert.Equal(["Direct", "Direct"], root.GetProperty("NatPaths").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal(["Relayed", "Relayed"], clientReport.RootElement.GetProperty("NatPaths").EnumerateArray().Select(p => p.GetString()));

            // Every pilot played in the host's world: its own, its two bots and the other process's two.
            Assert.Equal(5, root.GetProperty("PilotsJoinedServer").GetInt32());
            Assert.Equal(2, root.GetProperty("BotsConnected").GetInt32());
            Assert.All(root.GetProperty("Convergence").EnumerateArray(), c => Assert.True(c.GetProperty("Converged").GetBoolean(), c.ToString()));
            Assert.Equal(2, clientReport.RootElement.GetProperty("BotsConnected").GetInt32());
            Assert.True(clientReport.RootElement.GetProperty("Snapshots").GetInt64() > 50, client.Output);
            Assert.Equal(0, clientReport.RootElement.GetProperty("MalformedSnapshots").GetInt64());

            // The standalone introducer introduced all four bots and relayed the symmetric ones' traffic.
            var done = Regex.Match(introducer.Output, @"introducer done: (\d+) introductions, (\d+) datagrams relayed");
            Assert.True(done.Success, introducer.Output);
            Assert.Equal(4, int.Parse(done.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(int.Parse(done.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 100, introducer.Output);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
