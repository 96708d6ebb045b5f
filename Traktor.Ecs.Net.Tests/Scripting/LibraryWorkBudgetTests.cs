using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Library calls that work in C, where the count hook cannot see them, are charged to the instruction budget: a script
/// must not get many calls' worth of hidden work out of the few VM instructions that make each call.
/// </summary>
public sealed class LibraryWorkBudgetTests
{
    [Fact]
    public void Sorting_a_large_table_over_and_over_is_stopped_by_the_instruction_budget_at_the_first_sort_past_it()
    {
        // 100,000 entries cost about 1.7 million comparisons per sort, done in C by a single CALL instruction: before,
        // the instruction budget let the loop sort for 8.5 minutes (ScriptHost sets the time budget to 10 minutes, so
        // only the instruction budget is under test; in a game the 250 ms time budget is the last resort).
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        var script = host.Load("sort.lua", """
            local t = {}
            for i = 1, 100000 do t[i] = 100000 - i end
            while true do
              table.sort(t)
              log:info("sorted")
            end
            """);

        var error = script.Errors.First();
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal(4, error.Line);
        Assert.Empty(host.Info); // the first sort's work is already over the budget left after filling the table
    }

    [Fact]
    public void A_sort_within_the_budget_still_sorts()
    {
        using var host = new ScriptHost();
        var script = host.Load("sort.lua", """
            local t = {}
            for i = 1, 1000 do t[i] = (i * 7919) % 1000 end
            table.sort(t)
            table.sort(t, function(a, b) return a > b end)
            log:info(t[1] .. " " .. t[1000])
            """);

        Assert.Empty(script.Errors);
        Assert.Equal(["[sort.lua] 999 0"], host.Info);
    }

    [Fact]
    public void Compiling_a_long_text_over_and_over_is_charged_by_its_length()
    {
        // A 4 MiB comment compiles to an empty function, scanned in C by one CALL instruction: 131,072 steps each.
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000, TimeBudget = TimeSpan.FromMinutes(10), MaxLuaStringBytes = 8 * 1024 * 1024 });
        var script = host.Load("load.lua", """
            local text = "--" .. string.rep(" ", 4 * 1024 * 1024)
            while true do
              load(text)
              log:info("compiled")
            end
            """);

        var error = script.Errors.First();
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal(3, error.Line);
        Assert.InRange(host.Info.Count, 1, 8); // 1,000,000 ÷ 131,072
    }

    [Theory]
    [InlineData("s:upper()")]
    [InlineData("s:sub(2)")]
    [InlineData("s .. 'b'")]
    [InlineData("string.format('%s!', s)")]
    public void Building_long_strings_over_and_over_is_charged_by_the_bytes_allocated(string build)
    {
        // Each call copies 1 MiB in C for one instruction. Before, the instruction budget let such a loop run ~170,000
        // calls (a 3 MiB s:upper() loop ran 8.7 s past a 250 ms time budget, and 90 s under the instruction budget alone).
        // Growth is charged an instruction per 32 bytes: 32,768 or more a call, so at most 31 calls fit.
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        var script = host.Load("build.lua", $$"""
            local s = string.rep("a", 1024 * 1024)
            while true do
              local built = {{build}}
              log:info("built")
            end
            """);

        var error = script.Errors.First();
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal(3, error.Line);
        Assert.InRange(host.Info.Count, 1, 31);
    }

    [Fact]
    public void A_script_that_catches_the_refused_memory_is_still_stopped_by_the_budget()
    {
        // Once the entry is spent, its growth is refused (a memory error it can catch, which fails fast); the count hook
        // then aborts it. Reported as the budget it ran out of, not as memory.
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        var script = host.Load("catch.lua", """
            local s = string.rep("a", 1024 * 1024)
            while true do
              pcall(function() return s:upper() end)
            end
            """);

        var error = Assert.Single(script.Errors);
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal("catch.lua", error.File);
        Assert.InRange(error.Line, 3, 4);
    }

    [Fact]
    public void Reading_a_long_numeral_over_and_over_is_charged_by_its_length()
    {
        // tonumber reads a numeral to its end in C, digit by digit, for one instruction: an instruction per byte.
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        var script = host.Load("numeral.lua", """
            local s = string.rep("1", 400 * 1024)
            while true do
              local n = tonumber(s)
              log:info("read")
            end
            """);

        var error = script.Errors.First();
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal(3, error.Line);
        Assert.InRange(host.Info.Count, 1, 2);
    }

    [Fact]
    public void Ordinary_string_work_and_numerals_fit_the_budget_as_before()
    {
        using var host = new ScriptHost();
        var script = host.Load("ordinary.lua", """
            local parts = {}
            for i = 1, 2000 do parts[#parts + 1] = ("item %d"):format(i):upper() .. tostring(tonumber("0x" .. i)) end
            log:info(#table.concat(parts, ",") .. " " .. tonumber("12.5") .. " " .. tostring(tonumber("z", 36)))
            """);

        Assert.Empty(script.Errors);
        Assert.Single(host.Info);
        Assert.StartsWith("[ordinary.lua] ", host.Info[0]);
    }
}
