using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The built demo in host mode (<c>--host</c>), joined by a second process's bots.</summary>
[Collection(nameof(DemoCollection))]
public class HostModeDemoTests
{
    [Fact]
    public async Task A_host_process_plays_with_its_bots_and_a_second_process_joins_it()
    {
        string demo = typeof(DemoRunner).Assembly.Location;
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        string hostFolder = Path.Combine(folder, "host"), clientFolder = Path.Combine(folder, "client");
        int port = LoopbackPorts.FreeUdp();
        try
        {
            using var host = new ChildProcess("dotnet", [demo, "--host", "--port", $"{port}", "--bots", "2", "--duration", "10", "--headless", "--no-profiler", "--out", hostFolder]);
            using var client = new ChildProcess("dotnet", [demo, "--client", $"127.0.0.1:{port}", "--bots", "2", "--duration", "3", "--headless", "--no-profiler", "--out", clientFolder]);
            // Generous: the limits only end a hung process; starting two dotnet processes on a busy 2-core machine takes seconds.
            int? clientExit = await client.WaitAsync(TimeSpan.FromSeconds(120));
            int? hostExit = await host.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(clientExit == 0, $"client exit {clientExit}:\n{client.Output}");
            Assert.True(hostExit == 0, $"host exit {hostExit}:\n{host.Output}");

            using var hostReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(hostFolder, "report.json")));
            using var clientReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(clientFolder, "report.json")));
            var root = hostReport.RootElement;

            // The host's pilot, its two bots and the two bots of the other process all played in the host's world.
            Assert.Equal(5, root.GetProperty("PilotsJoinedServer").GetInt32());
            Assert.Contains(root.GetProperty("Pilots").EnumerateArray(), p => p.GetProperty("PilotId").GetInt32() == DemoRunner.HostPilotId);
            Assert.True(root.GetProperty("HostPilotInputs").GetInt64() > 60, host.Output);
            Assert.Equal(2, root.GetProperty("BotsConnected").GetInt32());
            Assert.All(root.GetProperty("Convergence").EnumerateArray(), c => Assert.True(c.GetProperty("Converged").GetBoolean(), c.ToString()));
            Assert.Equal(2, clientReport.RootElement.GetProperty("BotsConnected").GetInt32());
            Assert.True(clientReport.RootElement.GetProperty("Snapshots").GetInt64() > 50, client.Output);
            Assert.Equal(0, clientReport.RootElement.GetProperty("MalformedSnapshots").GetInt64());
            Assert.Contains($"--client 127.0.0.1:{port}", host.Output, StringComparison.Ordinal);
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
