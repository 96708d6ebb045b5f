using System.Buffers.Binary;
using System.Text.Json;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The demo's own figures after a short headless run in this process.</summary>
[Collection(nameof(DemoCollection))]
public class DemoRunTests(DemoRunFixture run)
{
    [Fact]
    public void Every_bot_connects_and_every_client_converges_on_the_server_state()
    {
        var report = run.Report;
        Assert.True(report.ExitCode == 0, run.Output.ToString());
        Assert.Equal(DemoRunFixture.Bots, report.BotsConnected);
        Assert.Equal(DemoRunFixture.Bots, report.PilotsJoinedServer);
        Assert.Equal(DemoRunFixture.Bots, report.Convergence.Count);
        Assert.All(report.Convergence, c =>
        {
            Assert.True(c.Converged, $"{c.Bot}: expected {c.Expected}, has {c.Actual}, missing {c.Missing}, extra {c.Extra}, wrong {c.WrongPositions}");
            Assert.True(c.Expected > 1, $"{c.Bot} saw only {c.Expected} entities");
        });
        Assert.Empty(report.Errors);
        Assert.Equal(0, report.MalformedSnapshots);
        Assert.Equal(DemoRunFixture.Bots, report.ClientHealth.Count);
        Assert.All(report.ClientHealth, h =>
        {
            Assert.True(h.Healthy, h.Problem);
            Assert.True(h.TicksWithInput > 0, $"{h.Bot}: no server tick used its input");
        });
    }

    [Fact]
    public void The_game_is_played_and_reaches_the_online_services()
    {
        var report = run.Report;
        Assert.True(report.Snapshots > 100, $"{report.Snapshots} snapshots");

        // Every snapshot bit is attributed to a component type or the entity lists.
        long attributed = report.SnapshotBitsByComponent.Values.Sum();
        Assert.True(report.SnapshotBitsByComponent.GetValueOrDefault("Position") > 0, "no bits for Position");
        Assert.InRange(attributed, report.SnapshotBytes * 8 * 7 / 10, report.SnapshotBytes * 8);
        Assert.Contains(report.Samples, s => s.ComponentBits.Any(r => r.Name == "Position" && r.BitsPerSecond > 0));
        Assert.True(report.ShotsFired > 0, "no shot was fired");
        // Ships fly by predicted input commands: the server applied most ticks' inputs on time.
        Assert.True(report.InputsAccepted > DemoRunFixture.Bots * 120, $"{report.InputsAccepted} inputs accepted");
        Assert.True(report.InputsLate + report.InputsMissing < report.InputsAccepted / 2, $"{report.InputsLate} late, {report.InputsMissing} missing");
        Assert.Equal(DemoRunFixture.Bots, report.Pilots.Count);
        Assert.Equal(DemoRunFixture.Bots, report.Leaderboard.Count);
        Assert.Equal(DemoRunFixture.Bots, report.ProfilesSaved);
        Assert.Contains(report.AchievementsUnlocked, a => a.EndsWith(":survivor", StringComparison.Ordinal) || a.EndsWith(":first-blood", StringComparison.Ordinal));
        Assert.True(report.Samples.Count >= 8, $"{report.Samples.Count} telemetry samples");
        Assert.Contains(report.Samples, s => s.ServerSystems.Any(sy => sy.Name == "NetworkServer" && sy.Milliseconds > 0));
        Assert.Contains(report.Samples, s => s.Clients.Count(c => c.Connected && c.RoundTripMs > 50) == DemoRunFixture.Bots);
    }

    [Fact]
    public void The_report_data_and_the_capture_are_written()
    {
        var report = run.Report;
        using (var json = JsonDocument.Parse(File.ReadAllText(report.JsonPath!)))
        {
            Assert.Equal(DemoRunFixture.Bots, json.RootElement.GetProperty("BotsConnected").GetInt32());
            Assert.Equal(0, json.RootElement.GetProperty("Errors").GetArrayLength());
        }

        string html = File.ReadAllText(report.HtmlPath!);
        Assert.Equal(7, html.Split("<svg").Length - 1);
        Assert.Contains("Result: OK", html, StringComparison.Ordinal);

        byte[] capture = File.ReadAllBytes(report.CapturePath!);
        Assert.Equal(0x0A0D0D0Au, BinaryPrimitives.ReadUInt32LittleEndian(capture));
        Assert.True(report.CapturedPackets > 500, $"{report.CapturedPackets} packets captured");
        Assert.Contains(report.OutputFolder, run.Output.ToString(), StringComparison.Ordinal);
    }
}
