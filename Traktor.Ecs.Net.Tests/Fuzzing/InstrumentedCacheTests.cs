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

    public void Dispose() => Directory.Delete(cache, recursive: true);
}
