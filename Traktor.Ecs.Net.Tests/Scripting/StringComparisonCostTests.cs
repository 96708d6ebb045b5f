using CsCheck;
using KeraLua;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Scripting.Sandbox;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The count hook's interval follows what comparing the live strings costs, not their length: <c>l_strcmp</c> calls
/// <c>strcoll</c> once per NUL-separated piece, so a string costs its NULs plus one plus its other bytes over 64
/// (<see cref="LuaMemory.NulFreeBytesPerPiece"/>). Keeping a 4 MiB string without NULs used to drop the interval to 1 (an
/// honest script ran 33 times slower); it is now about 50, while 1 MiB of NULs still gets 3.
/// </summary>
public sealed class StringComparisonCostTests
{
    [Fact]
    public void The_offset_of_a_string_s_bytes_in_its_block_is_found_and_is_TString_s_layout()
    {
        using var host = new ScriptHost();
        var script = host.Load("empty.lua", "");

        Assert.Equal((2 * IntPtr.Size) + 8, script.Memory.ContentOffset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void The_offset_is_found_too_when_a_short_hook_interval_tracks_only_longer_strings(int hookInterval)
    {
        // Tracked strings are those of at least ComparisonWindow / HookInterval bytes: 41,943 with 100, 4 MiB with 1. The
        // string made to find the offset was at most 16 KiB, so it was not tracked, and no string was ever measured.
        using var host = new ScriptHost(options: new LuaScriptOptions { HookInterval = hookInterval });
        var script = host.Load("empty.lua", "");

        Assert.Equal((2 * IntPtr.Size) + 8, script.Memory.ContentOffset);
    }

    [Fact]
    public void The_string_that_finds_the_offset_is_short_so_a_script_at_the_smallest_memory_limit_starts_without_a_refusal()
    {
        // With HookInterval 1 only strings of 4 MiB are tracked, and the string made to find the offset was that long: it
        // stayed in the state until collected, so the peak began above 4 MiB and, with a 256 KiB limit, the script's first
        // allocations were refused.
        const long limit = 256 * 1024;
        using var host = new ScriptHost(options: new LuaScriptOptions { HookInterval = 1, MemoryLimitBytes = limit });
        var script = host.Load("small.lua", "kept = {} for i = 1, 50 do kept[i] = { i, tostring(i) } end");

        Assert.Empty(script.Errors);
        Assert.Equal(50, script.GetGlobal("kept").AsTable!.Items.Count);
        Assert.Equal(0, script.Memory.Refused);
        Assert.InRange(script.PeakMemoryBytes, 1, limit);
        Assert.Equal(0, script.Memory.ComparisonCost); // the probe is not left counted either
        Assert.Equal((2 * IntPtr.Size) + 8, script.Memory.ContentOffset);
    }

    [Fact]
    public void Strings_made_past_the_list_of_those_waiting_to_be_measured_are_measured_all_the_same()
    {
        // Past 4096 strings waiting, the rest were never listed again and counted as all NULs until freed.
        const int count = 5_000;
        const int length = 2_048;
        var memory = new LuaMemory(long.MaxValue / 2, trackedStringBytes: 1024);
        using var lua = new Lua(memory.Allocator, IntPtr.Zero);
        memory.FindContentOffset(lua);
        var bytes = Enumerable.Repeat((byte)'x', length).ToArray();
        lua.NewTable();
        for (int i = 1; i <= count; i++)
        {
            lua.PushBuffer(bytes); // longer than 40 bytes: a string of its own each time, not interned
            lua.RawSetInteger(-2, i);
        }

        memory.Measure();

        long cost = 1 + (length / LuaMemory.NulFreeBytesPerPiece);
        Assert.InRange(memory.ComparisonCost, cost + 1, (cost * 5 / 4) + 1);
    }

    [Fact]
    public void A_kept_string_without_NULs_costs_a_piece_per_64_bytes_and_leaves_a_long_hook_interval()
    {
        const long length = 4 * 1024 * 1024;
        using var host = new ScriptHost();
        var script = Keep(host, $"string.rep('x', {length})");

        AssertCost(script, nuls: 0, length);
        Assert.InRange(script.Entries.HookInterval, 50, 64);
    }

    [Fact]
    public void A_kept_string_of_NULs_costs_a_piece_a_byte_and_keeps_the_hook_interval_short()
    {
        const long length = 1024 * 1024;
        using var host = new ScriptHost();
        var script = Keep(host, $"string.rep('\\0', {length})");

        AssertCost(script, nuls: length, length);
        Assert.InRange(script.Entries.HookInterval, 1, 4);
    }

    [Fact]
    public void A_string_with_a_NUL_every_other_byte_made_by_concatenation_counts_each_of_its_pieces()
    {
        using var host = new ScriptHost();
        var script = Keep(host, "(function() local s = 'a\\0' for i = 1, 19 do s = s .. s end return s end)()");

        AssertCost(script, nuls: 512 * 1024, 1024 * 1024);
        Assert.InRange(script.Entries.HookInterval, 1, 8);
    }

    [Fact]
    public void The_cost_counted_for_any_string_the_host_gives_is_at_least_its_pieces_and_at_most_a_quarter_more()
    {
        var text = Gen.Int[5_000, 40_000].SelectMany(length => Gen.Int[0, 100].SelectMany(nulPercent =>
            Gen.Int[0, 99].Select(roll => roll < nulPercent ? '\0' : 'x').Array[length].Select(chars => new string(chars))));
        text.Sample(value =>
        {
            using var host = new ScriptHost();
            var script = host.Load("given.lua", "");
            script.SetGlobal("given", ScriptValue.From(value));
            script.Memory.Measure();

            AssertCost(script, value.Count(c => c == '\0'), value.Length);
        }, iter: 40);
    }

    // A script whose main chunk keeps the string `expression` makes in a global, with the strings made since measured.
    private static LuaScript Keep(ScriptHost host, string expression)
    {
        var script = host.Load("keep.lua", $"keep = {expression}");
        Assert.Empty(script.Errors);
        script.Memory.Measure();
        return script;
    }

    // The costliest live string is the one of `length` bytes with `nuls` NULs: the cost counted is at least its pieces
    // and its other bytes over 64, and at most a quarter more (its cost class's bound); the interval follows from it.
    private static void AssertCost(LuaScript script, long nuls, long length)
    {
        long cost = nuls + 1 + ((length - nuls + LuaMemory.NulFreeBytesPerPiece - 1) / LuaMemory.NulFreeBytesPerPiece);
        Assert.InRange(script.Memory.ComparisonCost, cost + 1, (cost * 5 / 4) + 1);
        long expected = Math.Clamp(ScriptEntries.ComparisonWindow / script.Memory.ComparisonCost, 1, script.Options.HookInterval);
        Assert.Equal(expected, script.Entries.HookInterval);
    }
}
