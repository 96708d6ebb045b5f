namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>Durations and allocations of the measured server ticks, summarised as percentiles.</summary>
internal sealed class TickStatistics(int capacity)
{
    private readonly double[] milliseconds = new double[capacity];
    private readonly long[] allocated = new long[capacity];

    public int Count { get; private set; }

    public bool IsFull => Count == milliseconds.Length;

    public void Add(double tickMilliseconds, long allocatedBytes)
    {
        milliseconds[Count] = tickMilliseconds;
        allocated[Count] = allocatedBytes;
        Count++;
    }

    /// <summary>The nearest-rank percentile of the tick durations (p in 0..100).</summary>
    public double Percentile(double p)
    {
        var sorted = milliseconds[..Count];
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(p / 100 * Count);
        return sorted[Math.Clamp(rank - 1, 0, Count - 1)];
    }

    /// <summary>The duration of the measured tick <paramref name="index"/> in the order measured.</summary>
    public double this[int index] => milliseconds[index];

    public double Max => milliseconds[..Count].Max();

    public int CountOver(double limit) => milliseconds[..Count].Count(m => m > limit);

    public double MeanAllocated => allocated[..Count].Average();

    public long MaxAllocated => allocated[..Count].Max();

    public int TicksThatAllocated => allocated[..Count].Count(a => a > 0);
}
