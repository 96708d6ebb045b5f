using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Scripting;

/// <summary>An RPC a hostile player sends a scripted server, mapped to the script's handler <c>probe</c>.</summary>
[Rpc]
public struct WorstTickProbeRpc
{
    /// <summary>Whatever the player sends.</summary>
    public int Value;
}

/// <summary>
/// What one server tick of <see cref="LuaScriptSystem"/> costs when 64 players each send one RPC a tick whose handler
/// spins until its instruction budget (1,000,000) stops it: the worst a script's RPC handlers can cost a tick. Rows: the
/// handlers' shared budget (<see cref="LuaScriptOptions.RpcInstructionBudgetPerTick"/>, 2,000,000) at its default, and
/// lifted out of the way (as before it existed: only <see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>, 64, bounded
/// them); and 64 honest handlers that return at once, for scale. A 60 Hz tick is 16.7 ms.
/// </summary>
[MemoryDiagnoser]
public class ScriptWorstTickBenchmarks
{
    private const int Senders = 64;

    private const string Hostile = """
        function Script:probe(p, sender)
          while true do end
        end
        """;

    private const string Honest = """
        count = 0
        function Script:probe(p, sender)
          count = count + p.value
        end
        """;

    private readonly List<(World World, LuaScriptSystem System)> states = [];
    private readonly Entity[] received = new Entity[Senders];
    private (World World, LuaScriptSystem System) shared = default!, unbounded = default!, honest = default!;

    [GlobalSetup]
    public void Setup()
    {
        shared = Load(Hostile, new LuaScriptOptions());
        unbounded = Load(Hostile, new LuaScriptOptions { RpcInstructionBudgetPerTick = new LuaScriptOptions().MaxRpcHandlersPerTick * new LuaScriptOptions().InstructionBudget });
        honest = Load(Honest, new LuaScriptOptions());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (world, system) in states)
        {
            system.Dispose();
            World.Destroy(world);
        }
    }

    [Benchmark(Description = "64 spinning handlers, shared budget 2,000,000 (default)")]
    public void Shared() => Tick(shared);

    [Benchmark(Description = "64 spinning handlers, no shared budget (as before)")]
    public void Unbounded() => Tick(unbounded);

    [Benchmark(Baseline = true, Description = "64 honest handlers")]
    public void HonestHandlers() => Tick(honest);

    // One tick as the network plugin runs it: the RPCs arrive as entities, the scripts run, the RPCs are destroyed.
    private void Tick((World World, LuaScriptSystem System) state)
    {
        for (int i = 0; i < Senders; i++)
        {
            received[i] = state.World.Create(new WorstTickProbeRpc { Value = i }, new RpcSource(new ConnectionId(i + 1, 1)));
        }

        state.System.Update(1f / 60f);
        for (int i = 0; i < Senders; i++)
        {
            state.World.Destroy(received[i]);
        }
    }

    private (World, LuaScriptSystem) Load(string source, LuaScriptOptions options)
    {
        var world = World.Create();
        var system = new LuaScriptSystem(world, new ScriptServices { Rpcs = new ScriptRpcMap().Map<WorstTickProbeRpc>("probe") }, options);
        states.Add((world, system));
        var script = system.LoadSource("worst.lua", source);
        if (script.Errors.Count > 0)
        {
            throw new InvalidOperationException("The benchmark's script failed: " + string.Join("; ", script.Errors));
        }

        return (world, system);
    }
}
