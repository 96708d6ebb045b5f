using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Demo.Run;
using Demo.Telemetry;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>Issue 12 item 6: the demo's warning store is bounded, SIGTERM ends every mode cleanly, a taken port is one line and exit 2.</summary>
[Collection(nameof(DemoCollection))]
public class DemoShutdownTests
{
    [Fact]
    public void Repeated_warnings_are_counted_under_one_entry_and_distinct_ones_are_bounded()
    {
        var echoed = new List<string>();
        var log = new DemoLog { Echo = echoed.Add };
        ILogger logger = log;
        for (int i = 0; i < 10_000; i++) logger.LogWarning("Dropped a message from connection {Connection}", i);
        Assert.Single(log.Warnings);
        Assert.Contains("(×10000)", log.Warnings[0], StringComparison.Ordinal);
        Assert.Equal(DemoLog.EchoedRepeats, echoed.Count);

        for (int i = 0; i < 5_000; i++) log.Error($"distinct failure {i}");
        Assert.Equal(DemoLog.MaxKeys + 1, log.Errors.Count); // the kept ones and one line counting the rest
        Assert.Contains("more of other messages", log.Errors[^1], StringComparison.Ordinal);
        Assert.Equal(10_000, log.WarningCount);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_code_2()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        using var demo = new ChildProcess("dotnet", [typeof(DemoRunner).Assembly.Location, "--server", "--port", $"{port}", "--headless", "--duration", "5"]);
        int? exit = await demo.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 2, $"exit {exit}:\n{demo.Output}");
        Assert.Contains($"127.0.0.1:{port} is already in use", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", demo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "server listening")]
    [InlineData("", "playing for")]
    public async Task Sigterm_ends_the_run_and_writes_the_report(string mode, string ready)
    {
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        var arguments = new List<string> { typeof(DemoRunner).Assembly.Location, "--headless", "--duration", "120", "--out", folder, "--bots", "2" };
        if (mode == "--server") arguments.AddRange(["--server", "--port", $"{LoopbackPorts.FreeUdp()}"]);
        try
        {
            using var demo = new ChildProcess("dotnet", arguments);
            var waited = Stopwatch.StartNew();
            while (!demo.Output.Contains(ready, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100, TestContext.Current.CancellationToken);
            Assert.True(demo.Output.Contains(ready, StringComparison.Ordinal), demo.Output);
            demo.Signal("TERM");
            int? exit = await demo.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit is not null, $"still running 30 s after SIGTERM:\n{demo.Output}");
            Assert.NotEqual(143, exit); // not killed by the signal: it ended its run
            Assert.True(File.Exists(Path.Combine(folder, "report.json")), demo.Output);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
