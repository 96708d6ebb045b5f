namespace Traktor.Ecs.Net.Tests.Fuzzing;

/// <summary>
/// The committed seed corpus (Traktor.Ecs.Net.Fuzz/Corpus/&lt;target&gt;/seed-*) is what the harness's <c>seed</c> command
/// cuts from today's traffic. After a wire change nothing made anyone regenerate it: five targets once started every run
/// from packets the protocol no longer sent (fixed by hand in dd8bf35b). Findings kept in the corpus (other names) are
/// not seeds and are left alone.
/// </summary>
public sealed class FuzzSeedCorpusTests
{
    /// <summary>What to run, from the repository root, to bring the committed seeds up to date.</summary>
    private const string Refresh =
        "dotnet build Traktor.Ecs.Net.Fuzz -c Release && dotnet Traktor.Ecs.Net.Fuzz/bin/Release/net10.0/Traktor.Ecs.Net.Fuzz.dll seed --corpus Traktor.Ecs.Net.Fuzz/Corpus";

    [Fact]
    public async Task The_committed_seed_corpus_is_what_the_seed_command_makes_now()
    {
        string directory = Directory.CreateTempSubdirectory("traktor-fuzz-seed-").FullName;
        try
        {
            string fresh = Path.Combine(directory, "Corpus");
            await FuzzHarness.RunAsync(directory, "seed", "seed", "--corpus", fresh);

            var made = Seeds(fresh);
            var committed = Seeds(FuzzHarness.Corpus);
            Assert.NotEmpty(made);
            var stale = committed.Where(seed => !made.TryGetValue(seed.Key, out byte[]? bytes) || !bytes.AsSpan().SequenceEqual(seed.Value)).Select(seed => seed.Key).Order(StringComparer.Ordinal).ToList();
            var missing = made.Keys.Where(name => !committed.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
            Assert.True(stale.Count == 0 && missing.Count == 0,
                $"the committed seed corpus is out of date (a wire or traffic change?): {stale.Count} stale ({string.Join(", ", stale.Take(10))}), " +
                $"{missing.Count} missing ({string.Join(", ", missing.Take(10))}). Refresh it from the repository root with\n  {Refresh}\nand commit Traktor.Ecs.Net.Fuzz/Corpus.");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every <c>seed-*</c> file under <paramref name="corpus"/>, by target/name.</summary>
    private static Dictionary<string, byte[]> Seeds(string corpus) =>
        Directory.GetDirectories(corpus)
            .SelectMany(target => Directory.GetFiles(target, "seed-*"))
            .ToDictionary(file => Path.GetFileName(Path.GetDirectoryName(file)) + "/" + Path.GetFileName(file), File.ReadAllBytes, StringComparer.Ordinal);
}
