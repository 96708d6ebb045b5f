using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Library calls that do a lot of work for one VM instruction, each in a loop inside one entry: a long string repeated
/// (with a separator), a table of long strings concatenated, <c>%q</c> of a string that doubles when quoted, the widest
/// numeric formats, a pattern that backtracks, a lazy pattern over 1 MiB, a sort whose comparator answers at random,
/// long strings upper-cased or reversed. Each is stopped at its line by the instruction budget (its bytes charged as they
/// are allocated, its steps counted) or by the memory limit, with the time budget out of the way, and the state never
/// holds more than its memory limit.
/// </summary>
public sealed class SlowLibraryCallBudgetTests
{
    private const long Limit = 16L * 1024 * 1024;

    public static TheoryData<string, string> Loops() => new()
    {
        { "local s = string.rep('a', 4 * 2^20)", "local x = string.rep(s, 3)" },
        { "", "local x = string.rep('ab', 2^21, 'c')" },
        { "local t = {} for i = 1, 8 do t[i] = string.rep('x', 2^20) end", "local x = table.concat(t)" },
        { "local s = string.rep('\\0', 3 * 2^20)", "local x = string.format('%q', s)" },
        { "", "local x = string.format('%99.99f %-99s %099d', -1e308, 'a', 1)" },
        { "local s = string.rep('a', 6 * 2^20)", "local x = string.format('%s%s', s, 'b')" },
        { "local s = string.rep('a', 5000)", "local x = s:find(string.rep('a*', 30) .. 'b')" },
        { "local s = string.rep('a', 2^20)", "local x = s:gsub('.-b', '')" },
        { "local t = {} for i = 1, 5000 do t[i] = i end", "pcall(table.sort, t, function(x, y) return math.random() < 0.5 end)" },
        { "local s = string.rep('a', 6 * 2^20)", "local x = s:upper()" },
        { "local s = string.rep('a', 6 * 2^20)", "local x = s:reverse()" },
    };

    /// <summary>
    /// A sort without a comparator compares long strings in C: 2,000 references to two 3 MiB strings (charged 22,000
    /// comparisons) took seconds in one call (no instruction, no allocation: neither the hook nor the time check saw
    /// it). Now each comparison is charged by the longest string's length too: the call is refused at its line first.
    /// <para>
    /// With a comparator the same sort reads the same strings, in the comparator's <c>x &lt; y</c>: one counted
    /// instruction per comparison, each reading a 3 MiB pair: under the 1,000,000-instruction budget the whole sort ran
    /// in one call (5.3 s here, with the time budget out of the way; with it, its check every 1,000 instructions came
    /// hundreds of slow comparisons apart). Now the call is charged by the longest string's length as without a
    /// comparator and refused at its line first.
    /// </para>
    /// </summary>
    [Theory]
    [InlineData("table.sort(t)")]
    [InlineData("table.sort(t, function(x, y) return x < y end)")]
    public void A_sort_of_long_strings_is_charged_for_reading_them(string sort)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000, MemoryLimitBytes = Limit, MaxLuaStringBytes = Limit });
        var script = host.Load("sort.lua", $$"""
            local a, b = string.rep('x', 3 * 2^20) .. '1', string.rep('x', 3 * 2^20) .. '2'
            local t = {} for i = 1, 2000 do t[i] = (i % 2 == 0) and a or b end
            function Script:update(dt)
              {{sort}}
              sorted = true
            end
            """);
        Assert.Empty(script.Errors);

        host.Tick();

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, 4, "update"), (error.Kind, error.Line, error.Entry));
        Assert.Equal(ScriptValueKind.Nil, script.GetGlobal("sorted").Kind);
    }

    [Fact]
    public void A_sort_of_short_strings_and_numbers_still_sorts()
    {
        using var host = new ScriptHost();
        var script = host.Load("sorts.lua", """
            local t = { "pear", "apple", "fig" } table.sort(t)
            local n = { 3, 1, 2 } table.sort(n)
            local r = { 1, 2, 3 } table.sort(r, function(x, y) return x > y end)
            log:info(table.concat(t, ",") .. " " .. table.concat(n, ",") .. " " .. table.concat(r, ","))
            """);
        Assert.Empty(script.Errors);
        Assert.Equal(["[sorts.lua] apple,fig,pear 1,2,3 3,2,1"], host.Info);
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public void A_loop_of_slow_library_calls_stops_at_its_line_within_the_budgets(string setup, string call)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000, MemoryLimitBytes = Limit, MaxLuaStringBytes = Limit });
        var script = host.Load("slow.lua", setup + """

            function Script:update(dt)
              while true do CALL end
            end
            """.Replace("CALL", call, StringComparison.Ordinal));
        Assert.Empty(script.Errors);

        host.Tick();

        var error = Assert.Single(script.Errors);
        Assert.Contains(error.Kind, new[] { ScriptErrorKind.InstructionBudget, ScriptErrorKind.Memory });
        Assert.Equal((3, "update"), (error.Line, error.Entry));
        Assert.InRange(script.PeakMemoryBytes, 0, Limit);
    }
}
