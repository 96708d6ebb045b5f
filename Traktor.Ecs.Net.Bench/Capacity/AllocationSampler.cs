using System.Diagnostics.Tracing;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Names what the server allocates: listens to the runtime's GC AllocationTick events (one per ~100 KB allocated,
/// with the type that crossed the threshold) and counts them by type. A sample, not an exact account, but types that
/// allocate in every tick show up after a few seconds. Enabled by <c>--allocations</c> on the capacity run.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly Dictionary<string, int> samples = new();
    private bool enabled;

    public void Start() => enabled = true;

    public void Stop() => enabled = false;

    public IEnumerable<KeyValuePair<string, int>> Top(int count)
    {
        lock (samples) return samples.OrderByDescending(s => s.Value).Take(count).ToArray();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!enabled || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int index = e.PayloadNames?.IndexOf("TypeName") ?? -1;
        string type = index >= 0 ? e.Payload[index] as string ?? "?" : "?";
        lock (samples) samples[type] = samples.GetValueOrDefault(type) + 1;
    }
}
