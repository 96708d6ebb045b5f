using System.Globalization;
using System.Text.Json;

namespace Traktor.Ecs.Net.Tests.Fuzzing;

/// <summary>
/// The fuzz harness (Traktor.Ecs.Net.Fuzz, tools/fuzz.sh) run twice with the same <c>--seed</c> and <c>--executions</c>
/// executes the same inputs, target by target: a finding reported with its seed can be run again. Each run is its own
/// process, as two runs of tools/fuzz.sh are, so whatever a process draws at random (a token's nonce and keys, a
/// server's cookie key) differs between them. Failed before the targets seeded those: the digests of <c>client</c>
/// (its keep-alives are spread by the token's nonce) or <c>handshake</c> (a patched cookie byte equal to the real one)
/// differed in about one pair of runs in three. The two runs go at once (about 10 s each alone on two idle cores; run one
/// after the other they were the suite's longest test).
/// </summary>
public sealed class FuzzHarnessReproducibilityTests
{
    private const int Executions = 2_000;

    [Fact]
    public async Task Two_runs_with_the_same_seed_execute_the_same_inputs_in_every_target()
    {
        string directory = Directory.CreateTempSubdirectory("traktor-fuzz-repro-").FullName;
        try
        {
            var runs = await Task.WhenAll(RunAsync(directory, "first"), RunAsync(directory, "second"));
            var (first, second) = (runs[0], runs[1]);

            string[] targets = ["handshake", "payload", "client", "version-answer", "snapshot", "acks", "inputs", "rpc", "server-messages", "client-messages", "session-ticket"];
            Assert.Equal(targets.Order(StringComparer.Ordinal), first.Keys.Order(StringComparer.Ordinal));
            foreach (string target in targets)
            {
                var (a, b) = (first[target], second[target]);
                Assert.True(a.Executions > Executions, $"{target}: {a.Executions} executions, expected the corpus and {Executions} more");
                Assert.True(a.Edges > 0, $"{target}: no edge hit (the instrumentation was not live)");
                Assert.True(a == b, $"{target}: the second run differs: {a} then {b}");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Run(long Executions, int Edges, int Queue, string Digest);

    /// <summary>Runs the harness over every target and reads its report: per target, what it executed.</summary>
    private static async Task<Dictionary<string, Run>> RunAsync(string directory, string name)
    {
        string report = Path.Combine(directory, name + ".jsonl");
        await FuzzHarness.RunAsync(directory, name + " fuzz",
            "fuzz", "all", "600", "--seed", "3", "--executions", Executions.ToString(CultureInfo.InvariantCulture),
            "--corpus", FuzzHarness.Corpus, "--findings", Path.Combine(directory, name + "-findings"), "--report", report);
        var runs = new Dictionary<string, Run>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(report))
        {
            using var json = JsonDocument.Parse(line);
            var r = json.RootElement;
            runs.Add(r.GetProperty("Target").GetString()!,
                new Run(r.GetProperty("Executions").GetInt64(), r.GetProperty("Edges").GetInt32(), r.GetProperty("Queue").GetInt32(), r.GetProperty("Digest").GetString()!));
        }
        return runs;
    }
}
