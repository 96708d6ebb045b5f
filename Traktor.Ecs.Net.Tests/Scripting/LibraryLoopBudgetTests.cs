using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Library calls that loop in C without allocating, as long as an argument says: a format's options (string.pack, unpack,
/// packsize, os.date) and a range of values pushed or walked (string.byte, table.unpack, table.concat). Each is one CALL
/// instruction; before, a loop of them ran for seconds between two checks of the count hook (string.unpack on a format of
/// 8 MB of spaces held a tick for 14 s past a 250 ms time budget). Now each is charged to the instruction budget first.
/// </summary>
public sealed class LibraryLoopBudgetTests
{
    [Theory]
    [InlineData("local f = string.rep(' ', 2 * 1024 * 1024)", "string.packsize(f)")]
    [InlineData("local f = string.rep(' ', 2 * 1024 * 1024)", "string.pack(f)")]
    [InlineData("local f = string.rep(' ', 2 * 1024 * 1024)", "string.unpack(f, '')")]
    [InlineData("local f = string.rep('!', 2 * 1024 * 1024)", "string.unpack(f, '')")]
    [InlineData("local f = string.rep('%%', 1024 * 1024)", "os.date(f)")]
    [InlineData("local s = string.rep('a', 200000)", "string.byte(s, 1, -1)")]
    [InlineData("local s = string.rep('a', 200000)", "s:byte('1', '-1')")]
    [InlineData("local t = {}", "table.unpack(t, 1, 200000)")]
    [InlineData("local t = setmetatable({}, { __len = function() return 200000 end })", "table.unpack(t)")]
    [InlineData("local t = {} for i = 1, 100000 do t[i] = '' end", "table.concat(t)")]
    public void A_call_whose_work_an_argument_sets_is_charged_for_it(string setup, string call)
    {
        // ScriptHost lifts the time budget out of the way unless a test sets one: 20 s lets a run without the charges end
        // (with TimeBudget instead of InstructionBudget, after hundreds of calls) rather than run for an hour.
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000, TimeBudget = TimeSpan.FromSeconds(20) });
        var script = host.Load("loop.lua", setup + """

            function Script:update(dt)
              while true do local _ = select('#', CALL) log:info("called") end
            end
            """.Replace("CALL", call, StringComparison.Ordinal));
        Assert.Empty(script.Errors);

        host.Tick();

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, 3, "update"), (error.Kind, error.Line, error.Entry));
        Assert.InRange(host.Info.Count, 0, 10); // each call is charged 100,000 instructions or more, of the 1,000,000
    }

    [Fact]
    public void The_charged_calls_answer_as_before()
    {
        using var host = new ScriptHost();
        var script = host.Load("calls.lua", """
            local function show(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) end return table.concat(t, ",") end
            log:info(show(string.byte("hello", 2, -2)) .. " " .. show(("hello"):byte()) .. " " .. show(("hello"):byte(-1)) .. " "
              .. show(("hello"):byte("2", "3")) .. " " .. show(("hello"):byte(0)) .. " " .. show(("hello"):byte(4, 99)) .. " "
              .. show(("hello"):byte(-99, 1)) .. " " .. show(("hello"):byte(3, 2)))
            log:info(show(table.unpack({ 1, 2, 3 })) .. " " .. show(table.unpack({ 1, 2, 3 }, 2)) .. " " .. show(table.unpack({ 1, 2, 3 }, -1, 1))
              .. " " .. show(table.unpack(setmetatable({}, { __len = function() return 2 end, __index = function(_, k) return k * 10 end }))))
            log:info(table.concat({ "a", "b", "c" }) .. " " .. table.concat({ "a", "b", "c" }, "-", 2) .. " " .. table.concat({ 1, 2, 3 }, "+", 1, 2)
              .. " [" .. table.concat({}, "x") .. "]")
            local packed = string.pack("<i4 s1", 258, "hi")
            log:info(#packed .. " " .. string.packsize("<i4 i2") .. " " .. show(string.unpack("<i4 s1", packed)) .. " " .. os.date("!%Y", 0))
            log:info(tostring(pcall(table.unpack, {}, 1, 1e8)) .. " " .. tostring(pcall(string.byte, "x", {})) .. " " .. tostring(pcall(table.concat, { {} })))
            """);

        Assert.Empty(script.Errors);
        Assert.Equal([
            "[calls.lua] 101,108,108 104 111 101,108  108,111 104 ",
            "[calls.lua] 1,2,3 2,3 nil,nil,1 10,20",
            "[calls.lua] abc b-c 1+2 []",
            "[calls.lua] 7 6 258,hi,8 1970",
            "[calls.lua] false false false",
        ], host.Info);
    }

    [Fact]
    public void A_long_error_message_is_cut_before_it_is_read_logged_and_kept()
    {
        // A script can raise its memory limit's worth of text from every entry of every tick. Before, each was copied whole,
        // decoded to a .NET string twice its size, logged and kept (up to MaxKeptErrors): 18 MB a tick here.
        using var host = new ScriptHost(options: new LuaScriptOptions { MaxLuaStringBytes = 8 * 1024 * 1024 });
        var script = host.Load("raise.lua", """
            local s = string.rep("x", 6 * 1000 * 1000)
            function Script:update(dt) error(s) end
            """);
        Assert.Empty(script.Errors);
        host.Tick(); // warm

        long before = GC.GetAllocatedBytesForCurrentThread();
        host.Tick(10);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(11, script.Errors.Count);
        Assert.All(script.Errors, e => Assert.Equal((ScriptErrorKind.Runtime, 2, "update"), (e.Kind, e.Line, e.Entry)));
        string message = script.Errors.Last().Message;
        Assert.Equal(new string('x', 1024 - "raise.lua:2: ".Length) + "… (6000013 bytes, cut to 1024)", message);
        Assert.InRange(allocated, 0, 1024 * 1024);
    }
}
