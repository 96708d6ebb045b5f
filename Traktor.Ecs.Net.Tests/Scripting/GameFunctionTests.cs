using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>The game's own functions (<see cref="ScriptServices.Game"/>) as <c>game.name(…)</c>: values both ways, refusals at the script's line.</summary>
public sealed class GameFunctionTests
{
    [Fact]
    public void Scripts_call_the_games_functions_with_values_both_ways_and_refusals_fail_at_their_line()
    {
        var steered = new List<(double Thrust, double Turn)>();
        var game = new Dictionary<string, ScriptFunction>
        {
            ["ship"] = _ => new ScriptTable().With("x", 1.5).With("y", -2.0).With("name", "Nostromo"),
            ["steer"] = arguments =>
            {
                double thrust = arguments[0].AsNumber, turn = arguments[1].AsNumber;
                if (thrust is < 0 or > 1)
                {
                    throw new ArgumentException($"thrust must be within [0, 1], not {thrust}");
                }

                steered.Add((thrust, turn));
                return true;
            },
            ["count"] = arguments => arguments.Count,
        };
        using var host = new ScriptHost(new ScriptServices { Game = game });
        var script = host.Load("brain.lua", """
            local ship = game.ship()
            log:info(ship.name .. " at " .. ship.x .. ", " .. ship.y)
            log:info(tostring(game.steer(0.5, -1)) .. " " .. game.count(1, "two", { three = 3 }, nil))
            local ok, e = pcall(game.count, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
            log:info(e)
            game.steer(2, 0)
            """);

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Runtime, "brain.lua", 6), (error.Kind, error.File, error.Line));
        Assert.Equal("game.steer failed: thrust must be within [0, 1], not 2", error.Message);
        Assert.Equal(["[brain.lua] Nostromo at 1.5, -2.0", "[brain.lua] true 4", "[brain.lua] game.count: more than 16 arguments"], host.Info);
        Assert.Equal([(0.5, -1.0)], steered);
    }
}
