using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The built demo, started twice: a dedicated server and a bot client process playing over loopback UDP.</summary>
[Collection(nameof(DemoCollection))]
public class TwoProcessTests
{
    [Fact]
    public async Task A_server_process_and_a_client_process_play_over_loopback()
    {
        string demo = typeof(DemoRunner).Assembly.Location;
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        string serverFolder = Path.Combine(folder, "server"), clientFolder = Path.Combine(folder, "client");
        int port = LoopbackPorts.FreeUdp();
        try
        {
            using var server = new ChildProcess("dotnet", [demo, "--server", "--port", $"{port}", "--duration", "9", "--headless", "--no-profiler", "--out", serverFolder]);
            using var client = new ChildProcess("dotnet", [demo, "--client", $"127.0.0.1:{port}", "--bots", "2", "--duration", "3", "--headless", "--no-profiler", "--out", clientFolder]);
            // Generous: the limits only end a hung process; starting two dotnet processes on a busy 2-core machine takes seconds.
            int? clientExit = await client.WaitAsync(TimeSpan.FromSeconds(120));
            int? serverExit = await server.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(clientExit == 0, $"client exit {clientExit}:\n{client.Output}");
            Assert.True(serverExit == 0, $"server exit {serverExit}:\n{server.Output}");

            using var serverReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(serverFolder, "report.json")));
            using var clientReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(clientFolder, "report.json")));
            Assert.Equal(2, serverReport.RootElement.GetProperty("PilotsJoinedServer").GetInt32());
            Assert.Equal(2, serverReport.RootElement.GetProperty("Pilots").GetArrayLength());
            Assert.Equal(2, clientReport.RootElement.GetProperty("BotsConnected").GetInt32());
            Assert.True(clientReport.RootElement.GetProperty("Snapshots").GetInt64() > 50, client.Output);
            Assert.Equal(0, clientReport.RootElement.GetProperty("MalformedSnapshots").GetInt64());
            Assert.Contains($"--client 127.0.0.1:{port}", server.Output, StringComparison.Ordinal);
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
