using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Bench.Scripting;

/// <summary>
/// What starting a handler costs when the handler itself does almost nothing: <c>LuaScript.Call</c> of
/// <c>Script:work(a, b)</c>, which adds its two arguments. The entry's start is all there is: a coroutine (the last entry's,
/// kept once it returned), the collation check before it runs (docs/SECURITY.md, "String comparisons"), the arguments pushed,
/// the budget hook set. The .NET heap allocation per call (none) is <c>ScriptCallAllocationTests</c>' subject.
/// </summary>
[MemoryDiagnoser]
public class ScriptCallBenchmarks
{
    private readonly ScriptValue[] arguments = [ScriptValue.From(1), ScriptValue.From(2)];
    private World world = null!;
    private LuaScriptSystem system = null!;
    private LuaScript script = null!;

    [GlobalSetup]
    public void Setup()
    {
        world = World.Create();
        system = new LuaScriptSystem(world, new ScriptServices(), new LuaScriptOptions { TimeBudget = TimeSpan.FromSeconds(10) });
        script = system.LoadSource("work.lua", """
            function Script:work(a, b)
              result = a + b
            end
            """);
        if (!script.Call("work", arguments) || script.Errors.Count > 0)
        {
            throw new InvalidOperationException("The benchmark's script failed: " + string.Join("; ", script.Errors));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        system.Dispose();
        World.Destroy(world);
    }

    [Benchmark(Baseline = true, Description = "Call of a handler adding its two arguments")]
    public bool Call() => script.Call("work", arguments);

    // What each start and resume of an entry adds: setlocale(LC_COLLATE, NULL) through its delegate and the name compared.
    [Benchmark(Description = "the collation check alone (LuaCollation.IsStillByteOrder)")]
    public bool CollationCheck() => Traktor.Ecs.Net.Scripting.Sandbox.LuaCollation.IsStillByteOrder();
}
