using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// One running entry: its coroutine, what it waits for, and its instructions this tick. A coroutine whose entry returned
/// normally is kept, with this object and KeraLua's wrapper of it, for the next entry (<see cref="ScriptEntries"/>'s idle
/// threads): <see cref="Begin"/> makes it a new entry.
/// </summary>
internal sealed class EntryThread(Lua thread, int reference, string name)
{
    public Lua Thread { get; } = thread;

    public int Reference { get; } = reference;

    public string Name { get; private set; } = name;

    public PendingCall? Call { get; set; }

    public bool Waiting { get; set; }

    public long Tick { get; set; } = -1;

    public long Instructions { get; set; }

    /// <summary>Stopwatch ticks the entry ran this tick before its current resume.</summary>
    public long RanBefore { get; set; }

    /// <summary>Stopwatch timestamp of the current resume.</summary>
    public long ResumedAt { get; set; }

    /// <summary>True when the abort came from the time budget rather than the instruction budget.</summary>
    public bool OutOfTime { get; set; }

    public int Resumes { get; set; }

    public (string File, int Line)? AbortedAt { get; set; }

    /// <summary>True when the allocator found the entry spent (growth charged past a budget) and refused its memory from then on.</summary>
    public bool SpentInAllocation { get; set; }

    /// <summary>
    /// True when the coroutine may run another entry: it returned normally and was never found spent. Lua leaves a thread
    /// whose error came out of the count hook with hooks switched off for good (<c>allowhook</c>, which neither
    /// <c>lua_closethread</c> nor <c>lua_resume</c> restores), so a thread that failed is never reused: it would run the
    /// next entry without a budget.
    /// </summary>
    public bool Reusable => AbortedAt is null && !SpentInAllocation && Call is null;

    /// <summary>Makes this finished entry's coroutine a new entry named <paramref name="entry"/>, with a fresh budget.</summary>
    public void Begin(string entry)
    {
        Name = entry;
        Call = null;
        Waiting = false;
        Tick = -1;
        Instructions = 0;
        RanBefore = 0;
        ResumedAt = 0;
        OutOfTime = false;
        Resumes = 0;
        AbortedAt = null;
        SpentInAllocation = false;
    }
}
