using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Comparing long strings is one VM instruction that costs time in proportion to their length without allocating; with
/// NUL bytes Lua's <c>l_strcmp</c> calls <c>strcoll</c> once per byte, about 20 ms per <c>&lt;</c> on 1 MiB. The count
/// hook used to check the time budget every 1,000 instructions whatever strings lived, so a loop of such comparisons ran
/// about 160 of them (seconds) past the budget. Now the hook runs often enough that at most
/// <c>ScriptEntries.ComparisonWindow</c> (4 Mi NUL-separated pieces, the cost of comparing 4 MiB of NULs) can be compared
/// between two checks (StringComparisonCostTests).
/// </summary>
public sealed class StringComparisonBudgetTests
{
    [Fact]
    public void A_loop_comparing_a_long_string_of_nuls_made_by_the_host_stops_within_a_few_comparisons_of_the_time_budget() =>
        // Pushed by the host, outside any entry's budget: the hook must still know it lives.
        AssertComparisonsStopSoon("""
            n = 0
            function Script:update(dt)
              while true do
                if s < s then end
                n = n + 1
              end
            end
            """, line: 4, script => script.SetGlobal("s", ScriptValue.From(new string('\0', 1024 * 1024))));

    [Fact]
    public void A_loop_comparing_a_long_string_of_nuls_it_just_made_stops_within_a_few_comparisons_of_the_time_budget() =>
        AssertComparisonsStopSoon("""
            n = 0
            function Script:update(dt)
              local s = string.rep("\0", 1024):rep(1024)
              while true do
                if s < s then end
                n = n + 1
              end
            end
            """, line: 5);

    [Fact]
    public void A_loop_comparing_a_long_string_with_a_NUL_every_other_byte_stops_within_a_few_comparisons_of_the_time_budget() =>
        // The hook's interval follows the pieces the host counted in the string (not its length): half a million here, so
        // each comparison takes milliseconds, as with all NULs. Counted as a string without NULs, 1,000 would run per check.
        AssertComparisonsStopSoon("""
            n = 0
            function Script:update(dt)
              local s = "a\0"
              for i = 1, 19 do s = s .. s end
              while true do
                if s < s then end
                n = n + 1
              end
            end
            """, line: 6);

    [Fact]
    public void A_loop_comparing_long_strings_inside_a_script_coroutine_stops_within_a_few_comparisons_of_the_time_budget() =>
        AssertComparisonsStopSoon("""
            n = 0
            local co = coroutine.create(function()
              local s = string.rep("\0", 1024):rep(1024)
              coroutine.yield()
              while true do
                if s < s then end
                n = n + 1
              end
            end)
            coroutine.resume(co)
            function Script:update(dt)
              coroutine.resume(co)
            end
            """, line: 6);

    [Fact]
    public void A_string_longer_than_MaxLuaStringBytes_is_refused_with_a_limit_error_and_one_that_long_is_not()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { MaxLuaStringBytes = 64 * 1024 });
        var script = host.Load("long.lua", """
            local fits = string.rep("x", 64 * 1024)
            n = #fits
            local over = fits .. "y"
            n = #over
            """);

        Assert.Equal(64 * 1024, script.GetGlobal("n").AsInteger);
        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Limit, 3), (error.Kind, error.Line));
        Assert.Contains("MaxLuaStringBytes", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Loads <paramref name="source"/> (a loop of <c>s &lt; s</c> on 1 MiB of NULs, or of pieces as short, that counts its comparisons in <c>n</c>) with a
    /// 20 ms time budget, lets <paramref name="prepare"/> set it up, ticks once, and checks that the loop stopped with
    /// <see cref="ScriptErrorKind.TimeBudget"/> at <paramref name="line"/> after a few comparisons.
    /// </summary>
    private static void AssertComparisonsStopSoon(string source, int line, Action<LuaScript>? prepare = null)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { TimeBudget = TimeSpan.FromMilliseconds(20) });
        var script = host.Load("compare.lua", source);
        prepare?.Invoke(script);

        host.Tick();

        var error = Assert.Single(script.Errors);
        Assert.Equal(ScriptErrorKind.TimeBudget, error.Kind);
        Assert.InRange(error.Line, line, line + 1); // the comparison or the count after it
        // A comparison of 1 MiB of NULs takes milliseconds (7 to 20 on the machines measured), so about 20 ms of budget
        // allow a few; the hook then checks every few instructions (every 3 with 1 MiB of NULs, every 6 with 1 MiB of "a\0").
        // Before, the first check came after 1,000 instructions: about 160 comparisons.
        long comparisons = script.GetGlobal("n").AsInteger;
        Assert.InRange(comparisons, 0, 40);
    }
}
