using System.Diagnostics;

namespace Traktor.Ecs.Systems;

/// <summary>
/// The measured cost of one system inside a <see cref="Group{T}"/>: wall time and bytes allocated on
/// the updating thread, for the last frame and in total. A frame is Before + Update + After.
/// </summary>
public sealed class SystemProfile
{
    private long frameTicks;
    private long frameBytes;

    internal SystemProfile(string name, object system)
    {
        Name = name;
        System = system;
    }

    /// <summary>The system's name: the group name for groups, otherwise the type name.</summary>
    public string Name { get; }

    /// <summary>The measured system.</summary>
    public object System { get; }

    /// <summary>Wall time of the last completed frame.</summary>
    public TimeSpan LastElapsed { get; private set; }

    /// <summary>Bytes allocated on the updating thread during the last completed frame.</summary>
    public long LastAllocatedBytes { get; private set; }

    /// <summary>Wall time of every completed frame.</summary>
    public TimeSpan TotalElapsed { get; private set; }

    /// <summary>Bytes allocated during every completed frame.</summary>
    public long TotalAllocatedBytes { get; private set; }

    /// <summary>The number of completed frames.</summary>
    public long Frames { get; private set; }

    /// <summary>Mean wall time per frame in milliseconds (0 before the first frame).</summary>
    public double AverageMilliseconds => Frames == 0 ? 0 : TotalElapsed.TotalMilliseconds / Frames;

    /// <summary>Clears the totals (for example after a warm-up).</summary>
    public void Reset()
    {
        TotalElapsed = TimeSpan.Zero;
        TotalAllocatedBytes = 0;
        Frames = 0;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: last {LastElapsed.TotalMilliseconds:F3} ms, avg {AverageMilliseconds:F3} ms, last {LastAllocatedBytes} B";

    internal void Accumulate(long ticks, long bytes)
    {
        frameTicks += ticks;
        frameBytes += bytes;
    }

    internal void CompleteFrame()
    {
        LastElapsed = Stopwatch.GetElapsedTime(0, frameTicks);
        LastAllocatedBytes = frameBytes;
        TotalElapsed += LastElapsed;
        TotalAllocatedBytes += frameBytes;
        Frames++;
        frameTicks = 0;
        frameBytes = 0;
    }
}
