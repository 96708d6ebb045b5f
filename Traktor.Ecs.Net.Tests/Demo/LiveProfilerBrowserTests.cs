using Demo;
using Demo.Console;
using Demo.Run;
using Microsoft.Playwright;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The demo's live profiler in headless Chromium (Playwright driving Debian's /usr/bin/chromium, which .ci/run
/// installs): while the demo plays, every chart receives data and keeps updating.
/// </summary>
[Collection(nameof(DemoCollection))]
public class LiveProfilerBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] Charts = ["rtt", "loss", "bandwidth", "bits", "systems", "entities", "values"];

    [Fact]
    public async Task The_charts_receive_data_and_update_live_while_the_demo_plays()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip($"{Chromium} is not installed (apt-get install chromium; .ci/run does it); the feed itself is checked by LiveProfilerTests.");
        }

        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var runner = new DemoRunner(new DemoOptions { Headless = true, Bots = 2, DurationSeconds = 60, OutputFolder = folder }, new HeadlessView(TextWriter.Synchronized(output)));
        var run = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (runner.ProfilerUrl is null && !run.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.NotNull(runner.ProfilerUrl);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu"],
            });
            var page = await browser.NewPageAsync();
            var errors = new List<string>();
            page.PageError += (_, error) => errors.Add(error);
            await page.GotoAsync(runner.ProfilerUrl!.AbsoluteUri);

            // Data arrives: a few samples, and every chart has drawn at least one line of at least two points.
            await page.WaitForFunctionAsync("() => Number(document.body.dataset.frames) >= 4", null, new() { Timeout = 30_000 });
            foreach (var chart in Charts)
            {
                int lines = await page.Locator($"svg[data-chart='{chart}'] polyline").CountAsync();
                Assert.True(lines > 0, $"chart {chart} has no line");
                string points = await page.Locator($"svg[data-chart='{chart}'] polyline").First.GetAttributeAsync("points") ?? "";
                Assert.True(points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 2, $"chart {chart}: '{points}'");
            }
            Assert.True(await page.Locator("svg[data-chart='rtt'] polyline").CountAsync() >= 2, "one RTT line per connection (server side and bots)");
            Assert.Contains("Udp", await page.Locator("#connections").InnerTextAsync());

            // And keeps arriving: the sample count grows and the lines are redrawn.
            int frames = int.Parse(await page.Locator("body").GetAttributeAsync("data-frames") ?? "0");
            string before = await page.Locator("svg[data-chart='systems'] polyline").First.GetAttributeAsync("points") ?? "";
            await page.WaitForFunctionAsync($"() => Number(document.body.dataset.frames) >= {frames + 4}", null, new() { Timeout = 30_000 });
            string after = await page.Locator("svg[data-chart='systems'] polyline").First.GetAttributeAsync("points") ?? "";
            Assert.NotEqual(before, after);
            Assert.StartsWith("live", await page.Locator("#status").InnerTextAsync());
            Assert.Empty(errors);
            Assert.Contains($"live profiler: {runner.ProfilerUrl}", output.ToString());
        }
        finally
        {
            await stop.CancelAsync();
            await run;
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
