using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Tests;

/// <summary>
/// The calling thread's CPU time (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID)), for tests whose bound is the work a
/// step does: unlike wall-clock time it does not grow while a busy machine has the thread descheduled. Elsewhere it
/// falls back to wall-clock time.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Whether <see cref="Now"/> measures CPU time (false: wall-clock time).</summary>
    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out _) == 0;

    /// <summary>The current thread's CPU time so far (or a wall-clock timestamp where that is not available).</summary>
    public static TimeSpan Now()
    {
        if (IsCpuTime && ClockGetTime(ClockThreadCpuTime, out var time) == 0) return TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
        return Stopwatch.GetElapsedTime(0);
    }
}
