using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// What starting a handler allocates on the .NET heap: <c>LuaScript.Call</c> ran at 384 B a call (HookIntervalBenchmarks).
/// The handler and field names were encoded into a new array at every push (four a call), and the entry's start took a
/// closure and its delegate. What is left is the entry itself: its <c>EntryThread</c> and KeraLua's wrapper of its coroutine.
/// </summary>
public sealed class ScriptCallAllocationTests
{
    [Fact]
    public void Calling_a_handler_allocates_only_the_entry_and_its_coroutine_s_wrapper()
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

        const int calls = 1_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            script.Call("work", arguments);
        }

        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        Assert.Empty(script.Errors);
        Assert.Equal(3, script.GetGlobal("result").AsInteger);
        // EntryThread (about 100 B) and KeraLua's Lua object for the coroutine (lua_newthread's wrapper): both live as long
        // as the entry may wait. Before: 384 B (the names' arrays, the closure and its delegate besides).
        Assert.InRange(perCall, 0, 192);
    }
}
