using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

// Closing what a failed entry left open: its pending to-be-closed variables.
internal sealed partial class ScriptEntries
{
    /// <summary>
    /// Runs the pending <c>__close</c> handlers of an entry that failed with an error the script raised (not a budget abort),
    /// with <c>lua_closethread</c>, as Lua's <c>coroutine.close</c> does for a dead coroutine: each gets the error. Lua
    /// leaves a coroutine that ends with an error unclosed; the host closes it, so a handler that releases a resource (a
    /// claim, a counter) runs.
    /// </summary>
    /// <remarks>
    /// The error did not come out of the count hook, so the thread's hooks are on and the handlers run on what is left of
    /// the entry's budget this tick (instructions, time, memory). Past it the hook aborts the running handler; Lua restores
    /// the thread's hooks before each next handler (<c>luaD_closeprotected</c>), and the hook, firing at every instruction
    /// once the entry is spent, aborts each at once: closing costs at most the entry's budget and an instruction per handler.
    /// After a budget abort the handlers do not run: the abort was raised inside the hook, where Lua switches the thread's
    /// hooks off for good, so they would run with no budget at all.
    /// </remarks>
    private void Close(EntryThread entry)
    {
        var thread = entry.Thread;
        thread.PushCopy(-1);
        int error = thread.Ref(LuaRegistry.Index); // the entry's error, to tell a handler's own from it afterwards
        LuaStatus closed;
        var outer = BeginRun(entry, fresh: false); // on what is left of the entry's budget
        try
        {
            closed = (LuaStatus)thread.ResetThread(); // the error object is on top: each handler gets it
        }
        finally
        {
            EndRun(entry, outer);
        }

        if (closed != LuaStatus.OK)
        {
            thread.RawGetInteger(LuaRegistry.Index, error);
            bool same = thread.RawEqual(-1, -2);
            thread.Pop(1);
            if (!same)
            {
                _script.ReportFailure(entry, closed); // a handler raised, or ran out of the budget (reported as that budget)
            }
        }

        thread.Unref(LuaRegistry.Index, error);
    }
}
