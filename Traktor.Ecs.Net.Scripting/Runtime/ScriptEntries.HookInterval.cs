using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

// The count hook's interval: how often the budget is checked while long strings live.
internal sealed partial class ScriptEntries
{
    // The thread running script code now, as far as the host knows: the entry it resumed, or the thread the sandbox last
    // named with enter() (kept alive by a registry slot until the next). Zero outside a resume.
    private IntPtr _current;

    /// <summary>
    /// The most string bytes the count hook lets be compared between two of its checks: its interval is at most this over
    /// the longest live string (<see cref="Sandbox.LuaMemory.LongestString"/>), and at least 1. Comparing strings of NUL bytes,
    /// the slowest, costs about 24 ns a byte (Lua's <c>l_strcmp</c> calls <c>strcoll</c> once per NUL-separated piece), so
    /// this bounds what one check's window can add past the time budget to about 100 ms.
    /// </summary>
    public const long ComparisonWindowBytes = 4 * 1024 * 1024;

    /// <summary>The count hook's interval for the strings that live now (1 once the running entry is spent).</summary>
    public int HookInterval
    {
        get
        {
            if (_running is { } entry && (entry.AbortedAt is not null || entry.SpentInAllocation))
            {
                return 1;
            }

            long longest = _script.Memory.LongestString;
            int interval = _script.Options.HookInterval;
            return longest == 0 ? interval : (int)Math.Clamp(ComparisonWindowBytes / longest, 1, interval);
        }
    }

    /// <summary>
    /// The sandbox is about to run script code on <paramref name="thread"/> (see <c>enter</c> in sandbox.lua): sets its count
    /// hook's interval for the strings that live now and notes it as the running thread.
    /// </summary>
    public void Enter(IntPtr thread)
    {
        _current = thread;
        Tune(thread, tightenOnly: false);
    }

    // A string longer than any other live one was just made: the running thread's hook must not wait out its interval,
    // which was set for shorter strings. Called by the allocator.
    private void Tighten()
    {
        if (_current != IntPtr.Zero)
        {
            Tune(_current, tightenOnly: true);
        }
    }

    // Sets the thread's count hook to HookInterval (only a shorter one when tightenOnly); a thread without one is left alone.
    private void Tune(IntPtr thread, bool tightenOnly)
    {
        int mask = LuaNative.lua_gethookmask(thread);
        if ((mask & (int)LuaHookMask.Count) == 0)
        {
            return;
        }

        int count = LuaNative.lua_gethookcount(thread);
        int interval = HookInterval;
        if (interval == count || (tightenOnly && interval > count))
        {
            return;
        }

        LuaNative.lua_sethook(thread, LuaNative.lua_gethook(thread), mask, interval);
    }
}
