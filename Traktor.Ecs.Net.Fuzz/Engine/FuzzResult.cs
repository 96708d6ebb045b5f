namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>What one target's run did.</summary>
internal sealed record FuzzResult(
    string Target,
    double Seconds,
    long Executions,
    int CorpusReplayed,
    int Edges,
    int Queue,
    long MaxAllocated,
    long AllocationBudget,
    IReadOnlyList<Finding> Findings,
    string Digest)
{
    public double ExecutionsPerSecond => Seconds > 0 ? Executions / Seconds : 0;

    public string Summary =>
        $"{Target,-16} {Seconds,7:0.0} s {Executions,11:N0} execs ({ExecutionsPerSecond,7:N0}/s)  {Edges,5} edges  corpus {CorpusReplayed,3} -> queue {Queue,5}  max alloc {MaxAllocated / 1024.0,8:N0} KiB of {AllocationBudget / 1024,6:N0}  {Findings.Count} findings  digest {Digest}";
}
