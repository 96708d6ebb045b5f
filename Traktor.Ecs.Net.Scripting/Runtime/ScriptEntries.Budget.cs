using System.Diagnostics;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

// The budgets: instructions, library work and memory growth charged to the running entry, and its time.
internal sealed partial class ScriptEntries
{
    /// <summary>Bytes of memory growth charged as one instruction (as a scan charges one per 32 bytes read).</summary>
    public const long GrowthBytesPerInstruction = 32;

    /// <summary>
    /// Every instruction charged to any entry of the script since it loaded (what the RPC dispatch reads before and after a
    /// handler to hold the tick's handlers to <see cref="LuaScriptOptions.RpcInstructionBudgetPerTick"/>).
    /// </summary>
    public long Charged { get; private set; }

    /// <summary>
    /// Counts the count hook's interval (<see cref="HookInterval"/> when it was set) against the running entry
    /// (called by the count hook); true once the entry's budget for this tick is spent.
    /// </summary>
    public bool OverBudget(Lua thread) => OverBudget(thread.Handle, level: 1);

    /// <summary>
    /// <see cref="OverBudget(Lua)"/> from the host's C hook (<see cref="CountHook"/>), called at the script's own frame:
    /// where it was is at stack level 0, not under a Lua hook function.
    /// </summary>
    public bool OverBudget(IntPtr thread) => OverBudget(thread, level: 0);

    private bool OverBudget(IntPtr thread, int level)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        // The interval that just ran out (the hook's interval changes with the strings that live).
        int interval = Math.Max(1, LuaNative.lua_gethookcount(thread));
        entry.Instructions += interval;
        Charged += interval;
        if (IsSpent(entry, out bool outOfTime))
        {
            NoteAbort(entry, thread, level, outOfTime);
            return true;
        }

        Tune(thread, tightenOnly: false);
        return false;
    }

    /// <summary>
    /// Instructions the running entry may still use this tick (the whole budget outside an entry); what a
    /// budgeted library call (a pattern match) may spend before it stops.
    /// </summary>
    public long Remaining => Math.Max(0, _script.Options.InstructionBudget - (_running?.Instructions ?? 0));

    /// <summary>
    /// Charges <paramref name="units"/> instructions of work done inside a library call (pattern steps,
    /// elements moved) to the running entry; true once its budget for this tick is spent.
    /// </summary>
    public bool Charge(Lua thread, long units)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        entry.Instructions += units;
        Charged += units;
        return Spent(entry, thread);
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> of memory growth to the running entry (called by the allocator, so it must not
    /// call into Lua: where the entry was is noted by the count hook, which aborts it at its next check); true once the
    /// entry is past its instruction or time budget for this tick.
    /// </summary>
    // Without it, a loop building a 3 MiB string per call (s:upper()) runs 8.7 s past a 250 ms time budget (measured), and
    // the instruction budget allows 90 s of such copies: every call is one instruction (LibraryWorkBudgetTests).
    public bool ChargeGrowth(long bytes)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        long units = bytes / GrowthBytesPerInstruction;
        entry.Instructions += units;
        Charged += units;
        if (!IsSpent(entry, out bool outOfTime))
        {
            return false;
        }

        if (entry.AbortedAt is null && !entry.SpentInAllocation)
        {
            entry.OutOfTime = outOfTime;
        }

        entry.SpentInAllocation = true;
        return true;
    }

    // True once the entry is past its instruction budget or its time budget for this tick; the first
    // time, it notes where the entry was and which budget stopped it.
    private bool Spent(EntryThread entry, Lua thread)
    {
        if (!IsSpent(entry, out bool outOfTime))
        {
            return false;
        }

        NoteAbort(entry, thread.Handle, 1, outOfTime);
        return true;
    }

    private void NoteAbort(EntryThread entry, IntPtr thread, int level, bool outOfTime)
    {
        if (entry.AbortedAt is null)
        {
            entry.AbortedAt = _script.Locate(Lua.FromIntPtr(thread), level);
            if (!entry.SpentInAllocation)
            {
                entry.OutOfTime = outOfTime;
            }
        }
    }

    private bool IsSpent(EntryThread entry, out bool outOfTime)
    {
        bool outOfInstructions = entry.Instructions > _script.Options.InstructionBudget;
        outOfTime = !outOfInstructions && entry.RanBefore + (Stopwatch.GetTimestamp() - entry.ResumedAt) > TimeBudgetTicks;
        return outOfInstructions || outOfTime;
    }

    private long TimeBudgetTicks => (long)Math.Min(long.MaxValue / 2.0, _script.Options.TimeBudget.TotalSeconds * Stopwatch.Frequency);
}
