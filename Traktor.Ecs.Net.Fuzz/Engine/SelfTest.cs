using Traktor.Ecs.Net.Fuzz.Targets;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Proves, before every run, that the loop and its oracle can fail: three planted bugs (an escaping exception, a
/// broken invariant, an allocation over budget) must each be found from an empty corpus within a few thousand
/// executions. A run whose oracle could not see them would otherwise pass for the wrong reason.
/// </summary>
internal static class SelfTest
{
    private const int MaxExecutions = 50_000;

    public static bool Run(FuzzSettings settings, Watchdog watchdog)
    {
        bool ok = true;
        foreach (var (target, kind) in new (IFuzzTarget, string)[]
        {
            (new Planted("selftest-exception", input => throw new InvalidOperationException("planted")), "exception"),
            (new Planted("selftest-invariant", _ => Probe.Fail("planted")), "invariant"),
            (new Planted("selftest-allocation", input => GC.KeepAlive(new byte[1024 * 1024])), "allocation"),
        })
        {
            var loop = new FuzzLoop(target, new FuzzSettings
            {
                CorpusDirectory = settings.CorpusDirectory,
                FindingsDirectory = Path.Combine(Path.GetTempPath(), "traktor-fuzz-selftest"),
                Seed = 7,
                MaxLength = 64,
                Quiet = true,
            }, watchdog);
            var mutator = new Mutator(7, 64);
            byte[] parent = [];
            for (int i = 0; i < MaxExecutions && loop.Findings.Count == 0; i++) loop.Execute(mutator.Mutate(parent, []));
            if (loop.Findings.Count == 0 || loop.Findings[0].Kind != kind)
            {
                Console.Error.WriteLine($"fuzz: self-test: the planted {kind} was not found ({loop.Findings.Count} findings)");
                ok = false;
            }
        }
        return ok;
    }

    /// <summary>A target whose bug fires when the first byte is 0xAB (1 in 256 random inputs).</summary>
    private sealed class Planted(string name, Action<byte[]> bug) : IFuzzTarget
    {
        public string Name => name;

        public string Description => "planted bug (self-test)";

        public long AllocationBudget => 64 * 1024;

        public void Execute(ReadOnlySpan<byte> input, Probe probe)
        {
            probe.Begin();
            if (input.Length > 0 && input[0] == 0xAB) bug(input.ToArray());
            probe.End();
        }

        public IEnumerable<byte[]> Seeds() => [];
    }
}
