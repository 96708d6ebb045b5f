using BenchmarkDotNet.Attributes;
using KeraLua;

namespace Traktor.Ecs.Net.Bench.Scripting;

/// <summary>
/// What one <c>s &lt; t</c> on two equal long strings costs in Lua 5.4 (KeraLua's native library, this process's collation:
/// "C" unless the host calls setlocale). <c>l_strcmp</c> calls <c>strcoll</c> once per NUL-separated piece, so the cost
/// follows the pieces more than the bytes; these figures are what <c>LuaMemory.NulFreeBytesPerPiece</c> and
/// <c>ScriptEntries.ComparisonWindow</c> rest on (docs/benchmarks.md, "What comparing long strings costs").
/// </summary>
public class StringComparisonBenchmarks
{
    private Lua lua = null!;

    /// <summary>The strings' bytes: 1 MiB of NULs, of "a\0" (a piece every 2 bytes), of 63 x and a NUL, or without NULs.</summary>
    [Params("nuls", "a-nul", "63x-nul", "no-nul", "no-nul-4MiB")]
    public string Bytes { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        lua = new Lua();
        string make = Bytes switch
        {
            "nuls" => "string.rep('\\0', 1024 * 1024)",
            "a-nul" => "string.rep('a\\0', 512 * 1024)",
            "63x-nul" => "string.rep(string.rep('x', 63) .. '\\0', 16 * 1024)",
            "no-nul" => "string.rep('x', 1024 * 1024)",
            _ => "string.rep('x', 4 * 1024 * 1024)",
        };
        // Two strings made apart, so a comparison reads two blocks as a script's would.
        if (lua.DoString($"s = {make} t = {make} function compare() return s < t end"))
        {
            throw new InvalidOperationException(lua.ToString(-1));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => lua.Dispose();

    [Benchmark(Description = "s < t")]
    public bool Compare()
    {
        lua.GetGlobal("compare");
        lua.Call(0, 1);
        bool less = lua.ToBoolean(-1);
        lua.Pop(1);
        return less;
    }
}
