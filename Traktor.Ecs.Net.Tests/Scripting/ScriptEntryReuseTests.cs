using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Entries run on coroutines kept from entries that returned (<c>ScriptEntries.IdleThreads</c>): a new entry gets a fresh
/// budget, to-be-closed variables close as Lua closes them, and a coroutine that failed, was aborted or still waits is
/// never reused (Lua leaves hooks off on a thread whose error came out of the count hook).
/// </summary>
public sealed class ScriptEntryReuseTests
{
    // Counts the distinct coroutines entries ran on (a strong table: a dropped one is never counted twice) and the
    // __close handlers that ran.
    private const string Counting = """
        threads, closed = 0, 0
        local seen = {}
        local function note()
          local co = coroutine.running()
          if not seen[co] then
            seen[co] = true
            threads = threads + 1
          end
          last = co
        end
        local function closing()
          return setmetatable({}, { __close = function() closed = closed + 1 end })
        end

        function Script:work()
          note()
          local x <close> = closing()
        end

        function Script:fail()
          note()
          local x <close> = closing()
          error("boom")
        end

        function Script:caught()
          note()
          local ok = pcall(function()
            local x <close> = closing()
            error("inner")
          end)
          caughtOk = ok
        end

        function Script:spin()
          note()
          local x <close> = closing()
          while true do end
        end

        function Script:count(n)
          note()
          local i = 0
          while i < n do i = i + 1 end
          counted = i
        end

        function Script:wait()
          note()
          waitThread = coroutine.running()
          local x <close> = closing()
          coroutine.yield()
          waited = true
        end

        function Script:sameAsWait()
          note()
          same = last == waitThread
        end

        function Script:failSpinning()
          note()
          local last <close> = closing()
          local spinning <close> = setmetatable({}, { __close = function(_, err) closeError = err; while true do end end })
          local first <close> = closing()
          error("boom")
        end
        """;

    [Fact]
    public void Entries_that_return_run_on_one_coroutine_and_close_their_variables()
    {
        using var host = new ScriptHost();
        var script = host.Load("reuse.lua", Counting);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(script.Call("work"));
        }

        Assert.Empty(script.Errors);
        // Before: 100 coroutines, one per entry (the main chunk's is reused by the first call).
        Assert.Equal(1, script.GetGlobal("threads").AsInteger);
        Assert.Equal(100, script.GetGlobal("closed").AsInteger);
    }

    [Fact]
    public void An_error_caught_inside_the_entry_closes_its_variables_and_the_coroutine_is_reused()
    {
        using var host = new ScriptHost();
        var script = host.Load("caught.lua", Counting);
        script.Call("caught");
        script.Call("work");

        Assert.Empty(script.Errors);
        Assert.False(script.GetGlobal("caughtOk").AsBoolean);
        Assert.Equal(2, script.GetGlobal("closed").AsInteger);
        Assert.Equal(1, script.GetGlobal("threads").AsInteger);
    }

    [Fact]
    public void A_failed_entry_is_reported_and_its_coroutine_is_not_reused()
    {
        using var host = new ScriptHost();
        var script = host.Load("fail.lua", Counting);
        script.Call("fail");

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Runtime, "fail.lua", 23, "boom", "fail"), (error.Kind, error.File, error.Line, error.Message, error.Entry));
        // Its pending __close handler ran once, as coroutine.close runs it (before: 0, the coroutine was dropped as it was).
        Assert.Equal(1, script.GetGlobal("closed").AsInteger);

        script.Call("work");
        script.Call("work");
        Assert.Single(script.Errors);
        Assert.Equal(2, script.GetGlobal("threads").AsInteger); // the failed one, then one new one for both calls
        Assert.Equal(3, script.GetGlobal("closed").AsInteger);
    }

    // The abort is raised inside the count hook, and Lua then leaves hooks off on that thread for good: reset with
    // lua_closethread and reused, it ran the next entry's 10-million-step loop to the end, with no budget.
    [Fact]
    public void After_an_abort_the_next_entry_still_has_its_budget()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 100_000 });
        var script = host.Load("abort.lua", Counting);
        script.Call("spin");

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, 38, "spin"), (error.Kind, error.Line, error.Entry));

        script.Call("count", 10_000_000L);
        Assert.Equal(ScriptValueKind.Nil, script.GetGlobal("counted").Kind);
        Assert.Equal(2, script.Errors.Count);
        Assert.Equal((ScriptErrorKind.InstructionBudget, 44, "count"), (script.Errors.Last().Kind, script.Errors.Last().Line, script.Errors.Last().Entry));
        Assert.Equal(2, script.GetGlobal("threads").AsInteger); // neither aborted coroutine was reused
        Assert.Equal(0, script.GetGlobal("closed").AsInteger); // nor closed: its handler would have run with hooks off
    }

    // A failed entry's handlers run on what is left of its budget: one that loops is aborted at its line, and the one after
    // it, with the hook then firing at every instruction, at once; the tick goes on.
    [Fact]
    public void A_failed_entry_s_close_handlers_run_within_its_budget()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 100_000 });
        var script = host.Load("closing.lua", Counting);
        script.Call("failSpinning");

        Assert.Equal(2, script.Errors.Count);
        Assert.Equal((ScriptErrorKind.Runtime, "boom", "failSpinning"), (script.Errors.ElementAt(0).Kind, script.Errors.ElementAt(0).Message, script.Errors.ElementAt(0).Entry));
        Assert.Equal((ScriptErrorKind.InstructionBudget, 64, "failSpinning"), (script.Errors.ElementAt(1).Kind, script.Errors.ElementAt(1).Line, script.Errors.ElementAt(1).Entry));
        Assert.Equal(1, script.GetGlobal("closed").AsInteger); // the first handler ran; the last was aborted before its first instruction
        Assert.EndsWith("boom", script.GetGlobal("closeError").AsString, StringComparison.Ordinal); // each handler gets the entry's error

        script.Call("work");
        Assert.Equal(2, script.Errors.Count);
        Assert.Equal(2, script.GetGlobal("closed").AsInteger);
    }

    // Each entry's budget starts at zero on a reused coroutine, also within one tick: three loops that each fit a budget
    // of 100,000 instructions run to the end, which one loop twice as long does not.
    [Fact]
    public void A_reused_coroutine_starts_each_entry_with_a_whole_budget()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 100_000 });
        var script = host.Load("budget.lua", Counting);
        for (int i = 0; i < 3; i++)
        {
            script.Call("count", 25_000L);
        }

        Assert.Empty(script.Errors);
        Assert.Equal(25_000, script.GetGlobal("counted").AsInteger);
        Assert.Equal(1, script.GetGlobal("threads").AsInteger);

        script.Call("count", 50_000L);
        Assert.Equal(ScriptErrorKind.InstructionBudget, Assert.Single(script.Errors).Kind);
    }

    [Fact]
    public void A_waiting_entry_s_coroutine_is_reused_only_once_it_returned()
    {
        using var host = new ScriptHost();
        var script = host.Load("wait.lua", Counting);
        script.Call("wait");
        Assert.Equal(1, script.WaitingEntries);

        script.Call("sameAsWait");
        Assert.False(script.GetGlobal("same").AsBoolean); // still waiting: not handed to another entry
        Assert.Equal(2, script.GetGlobal("threads").AsInteger);

        host.Tick();
        Assert.True(script.GetGlobal("waited").AsBoolean);
        Assert.Equal(1, script.GetGlobal("closed").AsInteger);
        Assert.Equal(0, script.WaitingEntries);

        script.Call("sameAsWait");
        Assert.True(script.GetGlobal("same").AsBoolean);
        Assert.Empty(script.Errors);
        Assert.Equal(2, script.GetGlobal("threads").AsInteger);
    }

    // A start refused before anything ran (an argument over MaxLuaStringBytes) leaves its coroutine as it was, with the
    // values pushed before the refusal cleared.
    [Fact]
    public void A_refused_start_leaves_its_coroutine_reusable()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { MaxLuaStringBytes = 1024 });
        var script = host.Load("refused.lua", Counting);
        script.Call("work", 1L, new string('x', 2048));

        var error = Assert.Single(script.Errors);
        Assert.Equal(ScriptErrorKind.Limit, error.Kind);
        script.Call("work");
        script.Call("work");
        Assert.Single(script.Errors);
        Assert.Equal(1, script.GetGlobal("threads").AsInteger);
        Assert.Equal(2, script.GetGlobal("closed").AsInteger);
    }
}
