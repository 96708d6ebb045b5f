namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// One decoder a remote peer reaches, driven by arbitrary bytes. <see cref="Execute"/> builds fresh state, calls
/// <see cref="Probe.Begin"/> before the first hostile byte is handed over and <see cref="Probe.End"/> after the
/// last, and reports broken invariants with <see cref="Probe.Fail"/>. The oracle, checked by the runner: no
/// exception escapes, no invariant fails, the hostile phase allocates at most <see cref="AllocationBudget"/>
/// bytes, and one execution ends within the runner's time limit.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The target's name (its corpus folder, and the argument of tools/fuzz.sh).</summary>
    string Name { get; }

    /// <summary>What is decoded, for the listing.</summary>
    string Description { get; }

    /// <summary>Most bytes the hostile phase of one execution may allocate (inputs are at most the runner's max length).</summary>
    long AllocationBudget { get; }

    /// <summary>Runs one input against fresh state.</summary>
    void Execute(ReadOnlySpan<byte> input, Probe probe);

    /// <summary>Seed inputs taken from real traffic (written to the corpus by the seed command).</summary>
    IEnumerable<byte[]> Seeds();
}
