using Demo;
using Demo.Console;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The summary of a <c>--client</c> process (bots only, the server in another process) used to print the server's
/// figures as zeros: "596 sent, 62 B mean, 0 B largest", "0 accepted" inputs, "rocks destroyed: 0, shots fired: 0",
/// while its bots had received those snapshots and fired.
/// </summary>
public class SummaryTextTests
{
    private static RunReport Report(DemoMode mode) => new()
    {
        Options = new DemoOptions { Mode = mode, Bots = 2 },
        OutputFolder = "/tmp/none",
        PlayedSeconds = 5,
        BotsRequested = 2,
        BotsConnected = 2,
        Snapshots = 596,
        SnapshotBytes = 596 * 62,
        SnapshotRecords = 13929,
    };

    [Fact]
    public void A_bots_only_process_reports_what_its_bots_received_and_no_server_figures()
    {
        var summary = SummaryText.Lines(Report(DemoMode.Client)).ToList();
        Assert.Contains("snapshots: 596 received, 62 B mean, 13929 entity records, 0 malformed", summary);
        Assert.DoesNotContain(summary, line => line.Contains("B largest", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, line => line.Contains("pilots the server saw", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, line => line.Contains("accepted", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, line => line.StartsWith("rocks destroyed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DemoMode.All)]
    [InlineData(DemoMode.Host)]
    [InlineData(DemoMode.Server)]
    public void A_process_with_the_server_keeps_its_figures(DemoMode mode)
    {
        var summary = SummaryText.Lines(Report(mode)).ToList();
        Assert.Contains(summary, line => line.StartsWith("snapshots: 596 sent, 62 B mean, 0 B largest", StringComparison.Ordinal));
        Assert.Contains(summary, line => line.Contains("pilots the server saw: 0", StringComparison.Ordinal));
        Assert.Contains("rocks destroyed: 0, shots fired: 0", summary);
    }
}
