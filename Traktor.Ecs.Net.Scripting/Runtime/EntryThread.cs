using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>One running entry: its coroutine, what it waits for, and its instructions this tick.</summary>
internal sealed class EntryThread(Lua thread, int reference, string name)
{
    public Lua Thread { get; } = thread;

    public int Reference { get; } = reference;

    public string Name { get; } = name;

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
}
