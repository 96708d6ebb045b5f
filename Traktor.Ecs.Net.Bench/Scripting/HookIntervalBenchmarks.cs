using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Bench.Scripting;

/// <summary>
/// What an honest script pays for keeping a long string alive: while one lives, the count hook runs more often (at most
/// 4 Mi NUL-separated pieces of comparison between two checks, so a loop of comparisons cannot outrun the time budget;
/// docs/SCRIPTING.md, "Slow instructions"). Each operation runs one entry of the same arithmetic loop (about 100,000 VM
/// instructions, no comparison of strings) in a script that keeps no long string (the baseline: a check every 1,000
/// instructions), one without NULs of 64 KiB (still 1,000), 1 MiB (every 204) or 4 MiB (every 51), or, the worst case,
/// 1 MiB of NULs (every 3 instructions: a piece a byte). The last case keeps no string but sets <c>HookInterval</c> to 3:
/// what the hook alone costs at the interval 1 MiB of NULs gets, whether or not anything is compared.
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
    private LuaScript none = null!, kib64 = null!, mib1 = null!, mib4 = null!, nuls1 = null!, every3 = null!;

    [GlobalSetup]
    public void Setup()
    {
        none = Load(0);
        kib64 = Load(64 * 1024);
        mib1 = Load(1024 * 1024);
        mib4 = Load(4 * 1024 * 1024);
        nuls1 = Load(1024 * 1024, "\\0");
        every3 = Load(0, hookInterval: 3);
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

    [Benchmark(Description = "keeps 64 KiB without NULs (interval 1,000)")]
    public bool Keeps64KiB() => kib64.Call("work");

    [Benchmark(Description = "keeps 1 MiB without NULs (interval 204)")]
    public bool Keeps1MiB() => mib1.Call("work");

    [Benchmark(Description = "keeps 4 MiB without NULs (interval 51)")]
    public bool Keeps4MiB() => mib4.Call("work");

    [Benchmark(Description = "keeps 1 MiB of NULs (interval 3)")]
    public bool Keeps1MiBOfNuls() => nuls1.Call("work");

    [Benchmark(Description = "no long string, HookInterval 3")]
    public bool Interval3() => every3.Call("work");

    private LuaScript Load(int longString, string fill = "x", int hookInterval = 1000)
    {
        var world = World.Create();
        var system = new LuaScriptSystem(world, new ScriptServices(), new LuaScriptOptions { TimeBudget = TimeSpan.FromSeconds(10), HookInterval = hookInterval });
        states.Add((world, system));
        var script = system.LoadSource("work.lua", (longString > 0 ? $"keep = string.rep('{fill}', {longString})\n" : "") + Work);
        if (script.Errors.Count > 0 || !script.Call("work") || script.Errors.Count > 0)
        {
            throw new InvalidOperationException("The benchmark's script failed: " + string.Join("; ", script.Errors));
        }

        return script;
    }
}
