namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>Measures the hostile phase of one execution and carries invariant failures out of it.</summary>
internal sealed class Probe
{
    private long _allocatedAtBegin;

    /// <summary>Bytes allocated between <see cref="Begin"/> and <see cref="End"/> (by this thread).</summary>
    public long Allocated { get; private set; }

    public bool Began { get; private set; }

    public void Reset()
    {
        Allocated = 0;
        Began = false;
    }

    /// <summary>Setup is done: what follows is the peer's doing.</summary>
    public void Begin()
    {
        Began = true;
        _allocatedAtBegin = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>The hostile phase is over (checks of the resulting state may follow).</summary>
    public void End()
    {
        if (Began) Allocated = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtBegin;
    }

    /// <summary>An invariant of the decoder does not hold.</summary>
    public static void Fail(string message) => throw new InvariantBrokenException(message);

    /// <summary>Checks an invariant.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition) throw new InvariantBrokenException(message);
    }
}

/// <summary>A decoder's invariant broke (as opposed to an exception escaping the decoder itself).</summary>
internal sealed class InvariantBrokenException(string message) : Exception(message);
