using Demo;
using Demo.Bots;
using Demo.Console;
using Demo.Run;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The demo's bots flown by the committed example Lua pilot (Demo/scripts/pilot.lua, <c>--script</c>).</summary>
[Collection(nameof(DemoCollection))]
public class ScriptedDemoTests
{
    private static string Pilot => Path.Combine(AppContext.BaseDirectory, "scripts", "pilot.lua");

    [Fact]
    public async Task Bots_flown_by_the_example_Lua_pilot_hunt_rocks_and_the_server_fires_their_shots()
    {
        string folder = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));
        var options = DemoOptions.Parse(["--headless", "--bots", "2", "--duration", "5", "--out", folder, "--script", Pilot]);
        var output = new StringWriter();

        var report = await new DemoRunner(options, new HeadlessView(output)).RunAsync(CancellationToken.None);

        Assert.True(report.ExitCode == 0, output.ToString());
        Assert.Equal("pilot.lua", report.Script);
        Assert.Empty(report.ScriptErrors);

        // Only the script sends fire RPCs in this run (the built-in brain is not there): they reached the
        // server, which fired them, and the bots' predicted ships converged as usual.
        Assert.True(report.FireRequests > 0, $"{report.FireRequests} fire RPCs sent by the script");
        Assert.InRange(report.ShotsFired, 1, (int)report.FireRequests);
        Assert.True(report.AllConverged, output.ToString());
        Assert.Contains($"bots flown by the Lua pilot pilot.lua: {report.FireRequests} fire RPCs sent, 0 script errors", output.ToString(), StringComparison.Ordinal);
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled SQLite connection is left for the OS's temp cleanup.
        }
    }

    [Fact]
    public void A_script_that_does_not_compile_is_refused_with_its_line_and_a_missing_one_by_the_option_parser()
    {
        string path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.lua");
        File.WriteAllText(path, "function Script:update(dt)\n  game.steer(1, \nend\n");
        try
        {
            using var world = World.Create();
            var thrown = Assert.Throws<LuaScriptException>(() => new ScriptedBotBrain(world, path, NullLogger.Instance));
            Assert.Equal((ScriptErrorKind.Syntax, 3), (thrown.Error.Kind, thrown.Error.Line));
        }
        finally
        {
            File.Delete(path);
        }

        var missing = Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--script", "no-such-pilot.lua"]));
        Assert.Contains("no-such-pilot.lua", missing.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(Pilot), DemoOptions.Parse(["--script", Pilot]).ScriptPath);
    }
}
