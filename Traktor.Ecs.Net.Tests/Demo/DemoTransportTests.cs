using Demo;
using Demo.Console;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The whole demo (backend, tokens, server, bots) with <c>--transport websocket</c>: the bots play over WebSockets and converge.</summary>
[Collection(nameof(DemoCollection))]
public class DemoTransportTests
{
    [Fact]
    public async Task The_bots_play_over_WebSocket_and_converge()
    {
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        var output = new StringWriter();
        var options = new DemoOptions { Headless = true, Bots = 3, DurationSeconds = 3, OutputFolder = folder, Transport = TransportKind.WebSocket };
        var report = await new DemoRunner(options, new HeadlessView(output)).RunAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.Empty(report.Errors);
            Assert.Equal(3, report.BotsConnected);
            Assert.Equal(["WebSocket"], report.ConnectionTransports);
            Assert.Equal(3, report.Convergence.Count);
            Assert.All(report.Convergence, c =>
                Assert.True(c.Converged, $"{c.Bot}: expected {c.Expected}, has {c.Actual}, missing {c.Missing}, extra {c.Extra}, wrong {c.WrongPositions}"));
            Assert.True(report.Snapshots > 100, $"{report.Snapshots} snapshots");
            Assert.Contains("server on ws://127.0.0.1:", output.ToString());
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a pooled SQLite connection is left for the OS's temp cleanup.
            }
        }
    }
}
