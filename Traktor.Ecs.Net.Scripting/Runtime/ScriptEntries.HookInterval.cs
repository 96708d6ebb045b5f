using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

// The count hook's interval: how often the budget is checked while long strings live.
internal sealed partial class ScriptEntries
{
    // The thread running script code now, as far as the host knows: the entry it resumed, or the thread the sandbox last
    // named with enter() (kept alive by a registry slot until the next). Zero outside a resume.
    private IntPtr _current;

    /// <summary>
    /// The most comparison cost, in NUL-separated pieces, the count hook lets run between two of its checks: its interval is at
    /// most this over the costliest live string's (<see cref="Sandbox.LuaMemory.ComparisonCost"/>), and at least 1. Lua's
    /// <c>l_strcmp</c> calls <c>strcoll</c> once per piece, 7 to 24 ns each on the machines measured (strings of NUL bytes,
    /// the slowest, are a piece a byte), so this bounds what one check's window can add past the time budget to about 30 to
    /// 100 ms. Strings without NULs cost a piece per 64 bytes, so keeping one long string costs an honest script little.
    /// </summary>
    public const long ComparisonWindow = 4 * 1024 * 1024;

    /// <summary>The count hook's interval for the strings that live now (1 once the running entry is spent).</summary>
    public int HookInterval
    {
        get
        {
            if (IsRunningSpent)
            {
                return 1;
            }

            long cost = _script.Memory.ComparisonCost;
            int interval = _script.Options.HookInterval;
            return cost == 0 ? interval : (int)Math.Clamp(ComparisonWindow / cost, 1, interval);
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

    // A string costlier than any other live one was just made: the running thread's hook must not wait out its interval,
    // which was set for cheaper strings (a new string counts as all NULs until measured). Called by the allocator.
    private void Tighten()
    {
        if (_current != IntPtr.Zero)
        {
            Tune(_current, tightenOnly: true);
        }
    }

    // Sets the thread's count hook to HookInterval (only a shorter one when tightenOnly); a thread without one is left alone.
    // Between instructions (not tightenOnly: that comes from the allocator) the strings made since are measured first, and
    // the hook becomes the host's C hook (CountHook), or, once the running entry is spent, the sandbox's, which aborts it.
    private void Tune(IntPtr thread, bool tightenOnly)
    {
        if (!tightenOnly)
        {
            _script.Memory.Measure();
        }

        int mask = LuaNative.lua_gethookmask(thread);
        if ((mask & (int)LuaHookMask.Count) == 0)
        {
            return;
        }

        IntPtr hook = LuaNative.lua_gethook(thread);
        CountHook.Remember(hook);
        int count = LuaNative.lua_gethookcount(thread);
        int interval = HookInterval;
        if (tightenOnly)
        {
            if (interval < count)
            {
                LuaNative.lua_sethook(thread, hook, mask, interval);
            }

            return;
        }

        IntPtr dispatcher = CountHook.Dispatcher;
        IntPtr wanted = dispatcher == IntPtr.Zero ? hook : IsRunningSpent ? dispatcher : CountHook.Pointer;
        if (interval != count || wanted != hook)
        {
            LuaNative.lua_sethook(thread, wanted, mask, interval);
        }
    }

    private bool IsRunningSpent => _running is { } entry && (entry.AbortedAt is not null || entry.SpentInAllocation);
}
