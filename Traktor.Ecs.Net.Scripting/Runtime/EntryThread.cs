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

    public int Resumes { get; set; }

    public (string File, int Line)? AbortedAt { get; set; }
}
