using Demo.Console;
using Demo.Fleet;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The headless <c>fleet</c> line: bots of a fleet deployed elsewhere (<c>--backend URL</c>) know no server process, and
/// printed a bare <c>fleet</c> line every second (found deploying by hand from docs/DEPLOY.md).
/// </summary>
public class HeadlessFleetLineTests
{
    [Fact]
    public void No_known_server_prints_no_fleet_line()
    {
        var output = new StringWriter();
        new HeadlessView(output).ShowFleet([]);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void Each_known_server_is_on_the_fleet_line()
    {
        var output = new StringWriter();
        new HeadlessView(output).ShowFleet(
        [
            new FleetServerRow("gs-1", "a1", 1, "Live", 2, 4, 0.25, 0.2, 0.3, 2, 0),
            new FleetServerRow("gs-2", "b2", 2, "Draining", 1, 0, 0.5, 0.4, 0.6, 1, 3),
        ]);
        string line = output.ToString();
        Assert.StartsWith("fleet  gs-1 Live sessions 2 players 4 tick 0.25 ms", line);
        Assert.Contains("gs-2 Draining sessions 1 players 0 tick 0.50 ms", line);
    }
}
