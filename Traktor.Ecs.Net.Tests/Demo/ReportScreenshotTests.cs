using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The HTML report, rendered by headless Chromium where it is installed (apt-get install chromium).</summary>
[Collection(nameof(DemoCollection))]
public class ReportScreenshotTests(DemoRunFixture run)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_report_renders_in_headless_Chromium()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip($"{Chromium} is not installed (apt-get install chromium); the report's content is checked by DemoRunTests.");
        }

        string screenshot = Path.Combine(run.Folder, "report.png");
        string profile = Path.Combine(run.Folder, "chromium-profile");
        string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={profile}"];
        string url = new Uri(run.Report.HtmlPath!).AbsoluteUri;

        using (var dump = new ChildProcess(Chromium, [.. common, "--dump-dom", url]))
        {
            Assert.Equal(0, await dump.WaitAsync(TimeSpan.FromSeconds(30)));
            // The DOM as the browser parsed it: all six charts, with their lines and bars drawn.
            Assert.Equal(7, dump.Output.Split("<svg").Length - 1);
            Assert.True(dump.Output.Split("<polyline").Length - 1 >= 3 + (2 * DemoRunFixture.Bots), "chart lines are missing");
        }

        using (var shot = new ChildProcess(Chromium, [.. common, "--window-size=1100,2600", $"--screenshot={screenshot}", url]))
        {
            Assert.Equal(0, await shot.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        byte[] png = File.ReadAllBytes(screenshot);
        Assert.Equal(0x89504E47u, BinaryPrimitives.ReadUInt32BigEndian(png));
        Assert.Equal(1100, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        // A blank page compresses to a few kilobytes; text, tables and charts do not.
        Assert.True(png.Length > 40_000, $"screenshot is only {png.Length} bytes");
        TestContext.Current.AddAttachment("report.png", png, "image/png");
    }
}
