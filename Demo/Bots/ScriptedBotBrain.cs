using System.Numerics;
using Demo.Game;
using Microsoft.Extensions.Logging;
using Traktor.Ecs;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Systems;

namespace Demo.Bots;

/// <summary>
/// A bot pilot written in Lua (<c>--script pilot.lua</c>): the script's <c>Script:update(dt)</c> runs each
/// tick in the bot's own sandboxed Lua state, reads the bot's replicated view through <c>game.ship()</c>
/// and <c>game.nearestRock()</c>, steers with <c>game.steer(thrust, turn)</c> and fires with the seed's
/// <c>multiplayer:rpc("fire", { shot = n })</c> (the <see cref="FireRpc"/> the built-in brain sends).
/// </summary>
/// <remarks>
/// The script sees exactly what the built-in <see cref="BotBrainSystem"/> sees; its input is reset every
/// tick, so a script that does not steer coasts. Script failures (with file and line) are logged as
/// warnings and kept in <see cref="Errors"/>; the bot keeps flying on the next tick.
/// </remarks>
public sealed class ScriptedBotBrain : BaseSystem<World, float>, IBotBrain
{
    private readonly QueryDescription outgoingFire = new QueryDescription().WithAll<FireRpc>();
    private readonly LuaScriptSystem scripts;
    private readonly List<string> errors = new();
    private ShipBody body;
    private bool seesShip;

    /// <summary>Loads <paramref name="scriptPath"/> into a new Lua state for this bot.</summary>
    /// <exception cref="LuaScriptException">The script does not compile (with file and line).</exception>
    public ScriptedBotBrain(World world, string scriptPath, ILogger logger)
        : base(world)
    {
        scripts = new LuaScriptSystem(world, new ScriptServices
        {
            Rpcs = new ScriptRpcMap().Map<FireRpc>("fire"),
            Game = new Dictionary<string, ScriptFunction>
            {
                ["ship"] = _ => seesShip ? Ship() : ScriptValue.Nil,
                ["nearestRock"] = _ => seesShip && BotView.TryFindNearestRock(World, body.Position, out var rock) ? Point(rock) : ScriptValue.Nil,
                ["steer"] = Steer,
            },
        }, new LuaScriptOptions(), logger);
        Script = scripts.Load(scriptPath);
        Script.Failed += error =>
        {
            if (errors.Count < 20)
            {
                errors.Add(error.ToString());
            }
        };
        foreach (var error in Script.Errors)
        {
            errors.Add(error.ToString());
        }
    }

    /// <inheritdoc />
    public bool Idle { get; set; }

    /// <inheritdoc />
    public ShipInput Input { get; private set; }

    /// <inheritdoc />
    public long ShotsRequested { get; private set; }

    /// <summary>The loaded script.</summary>
    public LuaScript Script { get; }

    /// <summary>The script's failures so far (at most 20), as "file:line: kind: message".</summary>
    public IReadOnlyList<string> Errors => errors;

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        Input = default;
        if (Idle)
        {
            return;
        }

        seesShip = BotView.TryFindOwnShip(World, out body);
        scripts.Update(in deltaTime);

        // The fire RPCs the script queued this tick are still in the world until the network plugin sends them.
        ShotsRequested += World.CountEntities(in outgoingFire);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            scripts.Dispose();
        }

        base.Dispose(disposing);
    }

    private ScriptValue Ship() => new ScriptTable()
        .With("x", (double)body.Position.X)
        .With("y", (double)body.Position.Y)
        .With("vx", (double)body.Velocity.X)
        .With("vy", (double)body.Velocity.Y)
        .With("heading", (double)body.Heading);

    private static ScriptValue Point(Vector2 point) => new ScriptTable().With("x", (double)point.X).With("y", (double)point.Y);

    private ScriptValue Steer(IReadOnlyList<ScriptValue> arguments)
    {
        if (arguments.Count != 2 || !IsNumber(arguments[0]) || !IsNumber(arguments[1]))
        {
            throw new ArgumentException("game.steer takes two numbers: thrust (0 to 1) and turn (-1 to 1)");
        }

        // The input's declared ranges; out-of-range values are clamped, as the serializer would.
        Input = new ShipInput
        {
            Thrust = Math.Clamp((float)arguments[0].AsNumber, 0f, 1f),
            Turn = Math.Clamp((float)arguments[1].AsNumber, -1f, 1f),
        };
        return ScriptValue.Nil;
    }

    private static bool IsNumber(ScriptValue value) => value.Kind is ScriptValueKind.Integer or ScriptValueKind.Number && double.IsFinite(value.AsNumber);
}
