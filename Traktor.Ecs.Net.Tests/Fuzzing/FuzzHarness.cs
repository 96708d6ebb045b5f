using Traktor.Ecs.Net.Tests.Docs;

namespace Traktor.Ecs.Net.Tests.Fuzzing;

/// <summary>The fuzz harness (Traktor.Ecs.Net.Fuzz) as tools/fuzz.sh runs it: its own process, the committed corpus beside it.</summary>
internal static class FuzzHarness
{
    /// <summary>The committed corpus, one folder a target.</summary>
    public static string Corpus => Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.Net.Fuzz", "Corpus");

    /// <summary>The harness built beside this test (a project reference), in this test's configuration (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string Dll
    {
        get
        {
            string configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
            string harness = Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.Net.Fuzz", "bin", configuration, "net10.0", "Traktor.Ecs.Net.Fuzz.dll");
            Assert.True(File.Exists(harness), $"the fuzz harness is not built at {harness}");
            return harness;
        }
    }

    /// <summary>Runs one harness command in <paramref name="directory"/>; it must exit 0 within 5 minutes.</summary>
    public static async Task<DotnetProcess.Outcome> RunAsync(string directory, string name, params string[] args)
    {
        var outcome = await DotnetProcess.RunAsync(DotnetProcess.StartInfo(Dll, args, directory), TimeSpan.FromMinutes(5));
        Assert.True(outcome.ExitCode == 0, $"the {name} harness run exited {outcome.ExitCode}:\n{outcome.StandardOutput}\n{outcome.StandardError}");
        return outcome;
    }
}
