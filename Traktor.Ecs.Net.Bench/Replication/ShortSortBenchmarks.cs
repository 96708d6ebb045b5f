using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// The server sorts about a dozen candidates by priority per connection and tick: the framework's sort with a
/// comparison delegate against <see cref="ShortSort"/> (the same order, the comparison inlined). Each operation sorts
/// 64 spans of <see cref="Length"/> items, restored from an unsorted copy first (the copy is in both).
/// </summary>
[MemoryDiagnoser]
public class ShortSortBenchmarks
{
    private const int Spans = 64;
    private static readonly Comparison<Candidate> ByPriorityDelegate = static (a, b) => b.Priority.CompareTo(a.Priority);
    private Candidate[] unsorted = [];
    private Candidate[] work = [];

    /// <summary>Items per span.</summary>
    [Params(4, 12, 16)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        unsorted = new Candidate[Spans * Length];
        for (int i = 0; i < unsorted.Length; i++) unsorted[i] = new Candidate(random.Next(8) / (1f + random.Next(5)), i, i);
        work = new Candidate[unsorted.Length];
    }

    [Benchmark(Baseline = true)]
    public void SpanSortWithDelegate()
    {
        unsorted.CopyTo(work, 0);
        for (int s = 0; s < Spans; s++) work.AsSpan(s * Length, Length).Sort(ByPriorityDelegate);
    }

    [Benchmark]
    public void ShortSortInlined()
    {
        unsorted.CopyTo(work, 0);
        for (int s = 0; s < Spans; s++) ShortSort.Sort<Candidate, ByPriority>(work.AsSpan(s * Length, Length), ByPriorityDelegate);
    }

    /// <summary>The shape of the server's candidate (priority, slot, state index).</summary>
    public readonly record struct Candidate(float Priority, int Slot, int Index);

    private readonly struct ByPriority : ISortOrder<Candidate>
    {
        public static int Compare(in Candidate a, in Candidate b) => b.Priority.CompareTo(a.Priority);
    }
}
