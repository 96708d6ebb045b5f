using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Bench.Scripting;

/// <summary>
/// What an honest script pays for keeping a long string alive: while one lives, the count hook runs more often (at most
/// 4 MiB of the longest string between two checks, so a loop of comparisons cannot outrun the time budget; docs/SCRIPTING.md,
/// "Slow instructions"). Each operation runs one entry of the same arithmetic loop (about 100,000 VM instructions, no
/// comparison of strings) in a script that keeps no long string (the baseline: a check every 1,000 instructions), or one of
/// 64 KiB (every 32), 1 MiB (every other instruction) or 4 MiB (every instruction).
/// </summary>
[MemoryDiagnoser]
public class HookIntervalBenchmarks
{
    private const string Work = """
        function Script:work()
          local x = 0
          for i = 1, 20000 do
            x = x + i % 7
          end
          result = x
        end
        """;

    private readonly List<(World World, LuaScriptSystem System)> states = [];
    private LuaScript none = null!, kib64 = null!, mib1 = null!, mib4 = null!;

    [GlobalSetup]
    public void Setup()
    {
        none = Load(0);
        kib64 = Load(64 * 1024);
        mib1 = Load(1024 * 1024);
        mib4 = Load(4 * 1024 * 1024);
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

    [Benchmark(Baseline = true, Description = "no long string (interval 1,000)")]
    public bool NoLongString() => none.Call("work");

    [Benchmark(Description = "keeps 64 KiB (interval 32)")]
    public bool Keeps64KiB() => kib64.Call("work");

    [Benchmark(Description = "keeps 1 MiB (interval 2)")]
    public bool Keeps1MiB() => mib1.Call("work");

    [Benchmark(Description = "keeps 4 MiB (interval 1)")]
    public bool Keeps4MiB() => mib4.Call("work");

    private LuaScript Load(int longString)
    {
        var world = World.Create();
        var system = new LuaScriptSystem(world, new ScriptServices(), new LuaScriptOptions { TimeBudget = TimeSpan.FromSeconds(10) });
        states.Add((world, system));
        var script = system.LoadSource("work.lua", (longString > 0 ? $"keep = string.rep('x', {longString})\n" : "") + Work);
        if (script.Errors.Count > 0 || !script.Call("work") || script.Errors.Count > 0)
        {
            throw new InvalidOperationException("The benchmark's script failed: " + string.Join("; ", script.Errors));
        }

        return script;
    }
}
