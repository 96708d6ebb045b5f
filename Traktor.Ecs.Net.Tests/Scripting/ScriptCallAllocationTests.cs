using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// What starting a handler allocates on the .NET heap: <c>LuaScript.Call</c> ran at 384 B a call (HookIntervalBenchmarks),
/// then 152 B: the entry's <c>EntryThread</c> and KeraLua's wrapper of its new coroutine. A coroutine whose entry returned is
/// now kept, with both, for the next entry (<c>ScriptEntryReuseTests</c>), so a call allocates nothing.
/// </summary>
public sealed class ScriptCallAllocationTests
{
    [Fact]
    public void Calling_a_handler_allocates_nothing()
    {
        using var host = new ScriptHost();
        var script = host.Load("work.lua", """
            function Script:work(a, b)
              result = a + b
            end
            """);
        var one = ScriptValue.From(1);
        var two = ScriptValue.From(2);
        var arguments = new[] { one, two };
        for (int i = 0; i < 100; i++)
        {
            Assert.True(script.Call("work", arguments));
        }

        const int calls = 20_000; // an average over many calls: a one-off runtime allocation (a JIT tier-up, a lazily made buffer) stays far below 1 B a call
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            script.Call("work", arguments);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Empty(script.Errors);
        Assert.Equal(3, script.GetGlobal("result").AsInteger);
        // Before: 152 B a call, the coroutine's EntryThread and KeraLua's Lua wrapper of it.
        Assert.True(allocated < calls, $"{allocated} B over {calls} calls ({(double)allocated / calls:F2} B a call)");
    }

    [Fact]
    public void A_tick_running_a_script_s_update_allocates_nothing()
    {
        using var host = new ScriptHost();
        var script = host.Load("update.lua", """
            ticks = 0
            function Script:update(dt)
              ticks = ticks + 1
            end
            """);
        host.Tick(100);

        const int ticks = 20_000; // averaged, as above
        long before = GC.GetAllocatedBytesForCurrentThread();
        host.Tick(ticks);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(script.Errors);
        Assert.Equal(ticks + 100, script.GetGlobal("ticks").AsInteger);
        // Before: 200 B a tick, the update entry's coroutine (152 B) and its one-argument array.
        Assert.True(allocated < ticks, $"{allocated} B over {ticks} ticks ({(double)allocated / ticks:F2} B a tick)");
    }
}
