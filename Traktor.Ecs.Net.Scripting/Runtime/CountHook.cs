using System.Runtime.InteropServices;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// The count hook the host sets on every thread that runs script code, as a C hook: it counts the running entry's budget
/// without calling into Lua. The sandbox's own hook (<c>hook</c> in sandbox.lua, set with <c>debug.sethook</c>) is what
/// raises the abort, which only Lua code may do (a Lua error is a longjmp, not allowed across .NET frames); so once the
/// entry is spent this hook hands the thread back to it, at every instruction, and the next instruction aborts.
/// </summary>
// Why: with the sandbox's hook, each check went through the debug library's dispatcher (a registry lookup, the event name
// interned), a call of the Lua function and its call of the host: about 117 ns, paid every third instruction while a
// script keeps a megabyte of NULs (docs/benchmarks.md, "What keeping a long string costs").
internal static class CountHook
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void Hook(IntPtr state, IntPtr debug);

    // Kept alive for as long as the process: native code holds its pointer.
    private static readonly Hook Managed = Run;

    /// <summary>The hook's C function pointer, for <c>lua_sethook</c>.</summary>
    public static readonly IntPtr Pointer = Marshal.GetFunctionPointerForDelegate(Managed);

    // The debug library's dispatcher (ldblib's hookf, one C function for every thread and state): the hook that calls the
    // sandbox's Lua hook. Read from a thread the sandbox guarded, before this hook replaced it.
    private static IntPtr _dispatcher;

    // The entries whose entry runs on this thread now (scripts tick on one thread; a resume never nests another script's).
    [ThreadStatic]
    private static ScriptEntries? _running;

    /// <summary>The debug library's dispatcher, once a guarded thread showed it (zero before).</summary>
    public static IntPtr Dispatcher => Volatile.Read(ref _dispatcher);

    /// <summary>Notes the hook a thread has now, when it is the debug library's dispatcher.</summary>
    public static void Remember(IntPtr hook)
    {
        if (hook != IntPtr.Zero && hook != Pointer)
        {
            Volatile.Write(ref _dispatcher, hook);
        }
    }

    /// <summary>Makes <paramref name="entries"/> the ones this hook counts for, until <see cref="Leave"/>; returns the previous ones.</summary>
    public static ScriptEntries? Enter(ScriptEntries entries)
    {
        var previous = _running;
        _running = entries;
        return previous;
    }

    /// <summary>Restores what <see cref="Enter"/> returned.</summary>
    public static void Leave(ScriptEntries? previous) => _running = previous;

    private static void Run(IntPtr state, IntPtr debug)
    {
        bool over;
        try
        {
            over = _running?.OverBudget(state) ?? false;
        }
        catch
        {
            over = true; // nothing may cross into Lua; a failing check stops the entry rather than let it run unchecked
        }

        if (over && Dispatcher != IntPtr.Zero) // never zero here: Tune sets this hook only once it knows the dispatcher
        {
            // The sandbox's hook at every instruction: it asks again (spent), and raises the abort in Lua.
            LuaNative.lua_sethook(state, Dispatcher, (int)LuaHookMask.Count, 1);
        }
    }
}
