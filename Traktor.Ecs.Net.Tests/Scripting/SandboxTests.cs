using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>Escape attempts fail with a typed error naming file and line, and the host and the script keep running.</summary>
public sealed class SandboxTests
{
    private static ScriptError SingleError(LuaScript script)
    {
        Assert.Single(script.Errors);
        return script.Errors.Single();
    }

    [Theory]
    [InlineData("os.execute(\"rm -rf /\")", "os.execute")]
    [InlineData("local f = io.open(\"/etc/passwd\")", "io.open")]
    [InlineData("debug.sethook()", "debug.sethook")]
    [InlineData("local info = debug.getinfo(1)", "debug.getinfo")]
    [InlineData("require(\"socket\")", "require")]
    [InlineData("dofile(\"/etc/passwd\")", "dofile")]
    [InlineData("package.loadlib(\"libc.so.6\", \"system\")", "package.loadlib")]
    [InlineData("os.exit(1)", "os.exit")]
    [InlineData("os.getenv(\"HOME\")", "os.getenv")]
    [InlineData("load(\"\\27LuaT\\0\\25\\147\\r\\n\\26\\n\")", "binary chunks")]
    [InlineData("local x = setmetatable({}, { __gc = function() while true do end end })", "__gc")]
    [InlineData("collectgarbage(\"stop\")", "collectgarbage")]
    public void Escape_attempts_fail_with_a_sandbox_error_at_their_line(string attempt, string named)
    {
        using var host = new ScriptHost();
        var script = host.Load("escape.lua", "log:info(\"before\")\n" + attempt + "\nlog:info(\"after\")\n");

        var error = SingleError(script);
        Assert.Equal(ScriptErrorKind.Sandbox, error.Kind);
        Assert.Equal("escape.lua", error.File);
        Assert.Equal(2, error.Line);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Equal(["[escape.lua] before"], host.Info);
    }

    [Fact]
    public void String_dump_is_gone_so_no_bytecode_can_be_made()
    {
        using var host = new ScriptHost();
        var script = host.Load("dump.lua", "local code = string.dump(function() end)\n");

        var error = SingleError(script);
        Assert.Equal(ScriptErrorKind.Runtime, error.Kind);
        Assert.Equal(1, error.Line);
        Assert.Contains("dump", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_rep_memory_bomb_fails_with_a_memory_error_and_the_script_keeps_working()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { MemoryLimitBytes = 4 * 1024 * 1024 });
        var script = host.Load("bomb.lua", """
            function Script:update(dt)
              log:info("tick")
            end
            local s = string.rep("x", 1e9)
            """);

        var error = SingleError(script);
        Assert.Equal(ScriptErrorKind.Memory, error.Kind);
        Assert.Equal("bomb.lua", error.File);
        Assert.Equal(4, error.Line);
        Assert.True(script.PeakMemoryBytes <= 4 * 1024 * 1024, $"peak {script.PeakMemoryBytes}");

        host.Tick();
        Assert.Equal(["[bomb.lua] tick"], host.Info);
    }

    [Fact]
    public void Growing_a_table_past_the_limit_fails_at_the_line_that_grows_it()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { MemoryLimitBytes = 2 * 1024 * 1024, InstructionBudget = 100_000_000 });
        var script = host.Load("grow.lua", "local t = {}\nfor i = 1, 1e8 do\n  t[i] = i .. \"padding\"\nend\n");

        var error = SingleError(script);
        Assert.Equal(ScriptErrorKind.Memory, error.Kind);
        Assert.Equal(3, error.Line);
        Assert.True(script.PeakMemoryBytes <= 2 * 1024 * 1024 + 64 * 1024, $"peak {script.PeakMemoryBytes}");
    }

    [Theory]
    [InlineData("while true do end", 1)]
    [InlineData("local function spin() while true do end end\nlocal ok, e = pcall(spin)\nlog:info(\"caught \" .. tostring(e))", 1)]
    [InlineData("while true do\n  pcall(function() while true do end end)\nend", 2)]
    [InlineData("xpcall(function() while true do end end, function(e) return e end)\nlog:info(\"survived\")", 1)]
    [InlineData("local t = {}\nfor i = 1, 100 do t[i] = i end\ntable.sort(t, function(a, b) while true do end end)", 3)]
    [InlineData("local s = string.gsub(\"abc\", \"%w\", function(c) while true do end end)", 1)]
    [InlineData("local co = coroutine.wrap(function() while true do end end)\nco()", 1)]
    [InlineData("local co = coroutine.create(function() while true do end end)\nwhile true do coroutine.resume(co) end", 1)]
    [InlineData("local t = setmetatable({}, { __index = function() while true do end end })\nfor i, v in ipairs(t) do end", 1)]
    [InlineData("do\n  local x <close> = setmetatable({}, { __close = function() while true do end end })\n  while true do end\nend", 3)]
    public void Infinite_loops_are_stopped_by_the_instruction_budget(string source, int line)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 200_000 });
        var script = host.Load("loop.lua", source + "\nfunction Script:update() log:info(\"alive\") end\n");

        var error = script.Errors.First();
        Assert.Equal(ScriptErrorKind.InstructionBudget, error.Kind);
        Assert.Equal("loop.lua", error.File);
        Assert.Equal(line, error.Line);
        Assert.DoesNotContain(host.Info, l => l.Contains("caught", StringComparison.Ordinal) || l.Contains("survived", StringComparison.Ordinal));

        // The script is still there for the next call; the main chunk never got to define update.
        host.Tick();
        Assert.Equal(0, script.WaitingEntries);
    }

    // With the hook at every instruction, the 200th nested metamethod call overflows the C stack inside
    // the count hook itself; Lua then leaves hooks switched off on that coroutine. Before the sandbox
    // stopped running __close handlers of failed coroutines, coroutine.close ran this one without any
    // budget and never returned.
    [Fact]
    public void A_coroutine_killed_inside_the_hook_is_closed_without_running_its_handlers()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { HookInterval = 1 });
        var script = host.Load("close.lua", """
            local t = setmetatable({}, {})
            getmetatable(t).__index = function(t, k) return t[k] end
            local co = coroutine.create(function()
              local guard <close> = setmetatable({}, { __close = function() log:info("closing"); while true do end end })
              return t.x
            end)
            local ok, e = coroutine.resume(co)
            log:info("resumed " .. tostring(ok) .. " " .. tostring(e))
            local closed, again = coroutine.close(co)
            log:info("closed " .. tostring(closed) .. " " .. tostring(again == e))
            """);

        Assert.Empty(script.Errors);
        Assert.Equal(2, host.Info.Count);
        Assert.StartsWith("[close.lua] resumed false ", host.Info[0], StringComparison.Ordinal);
        Assert.Contains("stack overflow", host.Info[0], StringComparison.Ordinal);
        Assert.Equal("[close.lua] closed false true", host.Info[1]);
    }

    // Same overflow inside the hook, under xpcall: Lua calls the message handler where the error was
    // raised, with hooks off; the sandbox runs it on a coroutine of its own, where the budget holds.
    [Fact]
    public void An_xpcall_handler_called_from_inside_the_hook_still_has_a_budget()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { HookInterval = 1, InstructionBudget = 100_000 });
        var script = host.Load("handler.lua", """
            local t = setmetatable({}, {})
            getmetatable(t).__index = function(t, k) return t[k] end
            local ok, e = xpcall(function() return t.x end, function(e) log:info("handler"); while true do end end)
            log:info("xpcall " .. tostring(ok) .. " " .. tostring(e))
            """);

        host.Tick();
        Assert.Equal(0, script.WaitingEntries);
        Assert.True(script.Errors.Count == 1 || host.Info.Any(l => l.StartsWith("[handler.lua] xpcall false", StringComparison.Ordinal)),
            string.Join(" | ", host.Info.Concat(script.Errors.Select(e => e.ToString()))));
        Assert.All(script.Errors, e => Assert.Equal((ScriptErrorKind.InstructionBudget, 3), (e.Kind, e.Line)));
    }

    [Fact]
    public void Comparing_long_strings_in_a_loop_is_stopped_by_the_time_budget()
    {
        // Each comparison is one VM instruction that reads 2 MiB without allocating: the default instruction
        // budget would let this loop run for many seconds. The time budget stops it at the loop's line. (500 ms: the main
        // chunk that builds the strings is timed too, since growth is charged as it happens, and in a full parallel test
        // run on two cores the thread building them can wait longer than 100 ms for a core.)
        using var host = new ScriptHost(options: new LuaScriptOptions { TimeBudget = TimeSpan.FromMilliseconds(500) });
        var script = host.Load("compare.lua", """
            local a = string.rep("a", 2 * 1024 * 1024)
            local b = string.rep("a", 2 * 1024 * 1024 - 1) .. "b"
            function Script:update(dt)
              log:info("tick")
              while true do local same = a == b end
            end
            """);

        host.Tick(2);

        Assert.Equal(["[compare.lua] tick", "[compare.lua] tick"], host.Info);
        Assert.Equal(2, script.Errors.Count);
        Assert.All(script.Errors, e => Assert.Equal((ScriptErrorKind.TimeBudget, 5, "update"), (e.Kind, e.Line, e.Entry)));
        Assert.Contains("longer than 500 ms", script.Errors.First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_that_loops_fails_every_tick_but_each_tick_runs()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 100_000 });
        var script = host.Load("update.lua", """
            local n = 0
            function Script:update(dt)
              n = n + 1
              log:info("tick " .. n)
              if n % 2 == 0 then
                while true do end
              end
            end
            """);

        host.Tick(4);

        Assert.Equal(["[update.lua] tick 1", "[update.lua] tick 2", "[update.lua] tick 3", "[update.lua] tick 4"], host.Info);
        Assert.Equal(2, script.Errors.Count);
        Assert.All(script.Errors, e => Assert.Equal((ScriptErrorKind.InstructionBudget, 6, "update"), (e.Kind, e.Line, e.Entry)));
    }

    [Fact]
    public void Syntax_errors_are_refused_at_load_with_file_and_line()
    {
        using var host = new ScriptHost();
        var thrown = Assert.Throws<LuaScriptException>(() => host.Load("broken.lua", "local x = 1\nlocal y = = 2\n"));

        Assert.Equal(ScriptErrorKind.Syntax, thrown.Error.Kind);
        Assert.Equal("broken.lua", thrown.Error.File);
        Assert.Equal(2, thrown.Error.Line);
        Assert.Empty(host.System.Scripts);
    }

    [Fact]
    public void Runtime_errors_name_file_and_line_and_later_calls_still_run()
    {
        using var host = new ScriptHost();
        var script = host.Load("oops.lua", """
            function Script:update(dt)
              log:info("update")
            end
            local t = nil
            print(t.field)
            """);

        var error = SingleError(script);
        Assert.Equal((ScriptErrorKind.Runtime, "oops.lua", 5, "main"), (error.Kind, error.File, error.Line, error.Entry));
        Assert.Contains("attempt to index a nil value", error.Message, StringComparison.Ordinal);

        host.Tick();
        Assert.Equal(["[oops.lua] update"], host.Info);
    }

    [Fact]
    public void The_string_metatable_and_host_coroutines_are_out_of_reach()
    {
        using var host = new ScriptHost();
        var script = host.Load("meta.lua", """
            log:info(tostring(getmetatable("")))
            local me = coroutine.running()
            local ok, e = pcall(coroutine.resume, me)
            log:info(tostring(ok) .. " " .. e)
            """);

        Assert.Empty(script.Errors);
        Assert.Equal("[meta.lua] false", host.Info[0]);
        Assert.Contains("sandbox: coroutine.resume cannot touch", host.Info[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_style_handlers_get_their_params_as_written()
    {
        using var host = new ScriptHost();
        var script = host.Load("handlers.lua", """
            function Script:onPlayerJoined(self, params)
                log:info("Player joined: " .. params.playerName)
            end
            function Script:onPlain(params, sender)
                log:info("plain " .. params.playerName .. " " .. tostring(self == Script) .. " " .. tostring(sender))
            end
            function Script:update(dt)
                log:info(string.format("dt %.4f", dt))
            end
            """);
        var parameters = new ScriptTable().With("playerId", 7L).With("playerName", "Ada");

        Assert.True(script.Call("onPlayerJoined", parameters));
        Assert.True(script.Call("onPlain", parameters, "me"));
        Assert.False(script.Call("onMissing", parameters));
        host.Tick();

        Assert.Empty(script.Errors);
        Assert.Equal(["[handlers.lua] Player joined: Ada", "[handlers.lua] plain Ada true me", "[handlers.lua] dt 0.0167"], host.Info);
    }

    [Fact]
    public void A_plain_yield_waits_for_the_next_tick()
    {
        using var host = new ScriptHost();
        var script = host.Load("wait.lua", """
            for i = 1, 3 do
              log:info("step " .. i)
              coroutine.yield()
            end
            """);

        Assert.Equal(["[wait.lua] step 1"], host.Info);
        host.Tick();
        Assert.Equal(2, host.Info.Count);
        host.Tick(2);
        Assert.Equal(3, host.Info.Count);
        Assert.Equal(0, script.WaitingEntries);
        Assert.Empty(script.Errors);
    }
}
