using Traktor.Ecs.Net.Fuzz.Engine;

namespace Traktor.Ecs.Net.Tests.Fuzzing;

/// <summary>
/// Where the fuzz harness keeps its instrumented copy of Traktor.Ecs.Net (its source file is compiled into this project:
/// the harness itself is not referenced). Two runs started at once (as <see cref="FuzzHarnessReproducibilityTests"/>
/// starts them) may both find no copy and both instrument one: the one that finishes second must not replace the file
/// the first has loaded. Before, it renamed its copy over the other's: on Linux that unlinks a mapped file quietly, on
/// Windows it throws (a loaded assembly cannot be replaced), so the harness was Linux-only. The copy here is "loaded" by
/// holding it open as the runtime does (read, shared for reading only).
/// </summary>
public sealed class InstrumentedCacheTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("traktor-instrumented-").FullName;

    private string Original()
    {
        string original = Path.Combine(cache, "Library.dll");
        File.WriteAllText(original, "original");
        return original;
    }

    [Fact]
    public void A_run_that_finishes_instrumenting_second_uses_the_first_runs_copy_and_replaces_nothing()
    {
        string original = Original();
        string? first = null;
        FileStream? loaded = null;
        try
        {
            string second = InstrumentedCache.GetOrCreate(Path.Combine(cache, "instrumented"), original, copy =>
            {
                // While this run instruments, another one (started at the same moment) instruments, publishes and loads its copy.
                first = InstrumentedCache.GetOrCreate(Path.Combine(cache, "instrumented"), original, other =>
                {
                    File.WriteAllText(other, "instrumented by the first run");
                    return 1;
                });
                loaded = new FileStream(first, FileMode.Open, FileAccess.Read, FileShare.Read);
                File.WriteAllText(copy, "instrumented by the second run");
                return 1;
            });

            Assert.Equal(first, second);
            Assert.Equal("instrumented by the first run", File.ReadAllText(second)); // the loaded file was not replaced
            Assert.Equal("original", File.ReadAllText(original));
        }
        finally
        {
            loaded?.Dispose();
        }
    }

    [Fact]
    public void A_published_copy_is_used_by_later_runs_without_instrumenting_again()
    {
        string original = Original();
        int instrumented = 0;
        string first = InstrumentedCache.GetOrCreate(Path.Combine(cache, "instrumented"), original, copy =>
        {
            instrumented++;
            File.WriteAllText(copy, "instrumented");
            return 1;
        });
        using var loaded = new FileStream(first, FileMode.Open, FileAccess.Read, FileShare.Read);

        string later = InstrumentedCache.GetOrCreate(Path.Combine(cache, "instrumented"), original, _ => throw new InvalidOperationException("instrumented again"));
        Assert.Equal(first, later);
        Assert.Equal(1, instrumented);

        // A changed library is a new copy: the cache is keyed by its content.
        File.WriteAllText(original, "changed");
        string changed = InstrumentedCache.GetOrCreate(Path.Combine(cache, "instrumented"), original, copy =>
        {
            instrumented++;
            File.WriteAllText(copy, "instrumented anew");
            return 1;
        });
        Assert.NotEqual(first, changed);
        Assert.Equal("instrumented anew", File.ReadAllText(changed));
        Assert.Equal(2, instrumented);
    }

    [Fact]
    public void Folders_of_runs_killed_while_instrumenting_are_swept_once_their_process_has_exited()
    {
        string original = Original();
        string instrumented = Path.Combine(cache, "instrumented");
        int exited = ExitedProcessId();
        string olderHash = Path.Combine(instrumented, "0123456789ABCDEF");
        string killed = Run(olderHash, exited);               // killed under an older library's hash, never published
        string stillInstrumenting = Run(olderHash, Environment.ProcessId);
        string notOurs = Directory.CreateDirectory(Path.Combine(olderHash, "run-notes")).FullName; // not a name the cache makes

        string copy = InstrumentedCache.GetOrCreate(instrumented, original, c => { File.WriteAllText(c, "instrumented"); return 1; });
        string published = Path.GetDirectoryName(copy)!;
        string killedBesidePublished = Run(Path.GetDirectoryName(published)!, exited);
        Assert.True(Directory.Exists(killedBesidePublished));

        InstrumentedCache.GetOrCreate(instrumented, original, _ => throw new InvalidOperationException("instrumented again"));

        Assert.False(Directory.Exists(killed));
        Assert.False(Directory.Exists(killedBesidePublished));
        Assert.True(Directory.Exists(stillInstrumenting)); // its process runs: it may be about to publish
        Assert.True(Directory.Exists(notOurs));
        Assert.Equal("instrumented", File.ReadAllText(copy)); // the published copy is kept
    }

    [Fact]
    public void A_run_whose_instrumenting_throws_leaves_no_folder_and_a_later_run_instruments_afresh()
    {
        string original = Original();
        string instrumented = Path.Combine(cache, "instrumented");
        Assert.Throws<InvalidOperationException>(() =>
            InstrumentedCache.GetOrCreate(instrumented, original, _ => throw new InvalidOperationException("bad IL")));
        Assert.Empty(Directory.EnumerateDirectories(Directory.EnumerateDirectories(instrumented).Single()));

        string copy = InstrumentedCache.GetOrCreate(instrumented, original, c => { File.WriteAllText(c, "instrumented"); return 1; });
        Assert.Equal("instrumented", File.ReadAllText(copy));
    }

    private static string Run(string hashFolder, int processId)
    {
        string run = Path.Combine(hashFolder, $"run-{processId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "Library.dll"), "half instrumented");
        return run;
    }

    /// <summary>The id of a process that has exited (a shell that did nothing), standing in for a killed run.</summary>
    private static int ExitedProcessId()
    {
        var start = OperatingSystem.IsWindows()
            ? new System.Diagnostics.ProcessStartInfo("cmd.exe", "/c exit 0")
            : new System.Diagnostics.ProcessStartInfo("sh", "-c true");
        start.UseShellExecute = false;
        using var process = System.Diagnostics.Process.Start(start)!;
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the stand-in process did not exit");
        return process.Id;
    }

    public void Dispose() => Directory.Delete(cache, recursive: true);
}
