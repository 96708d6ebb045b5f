using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Keeps instrumented copies of a library between runs, keyed by the original's content, placed so that no run replaces or
/// deletes a file another run may have loaded. Windows refuses to rename over or delete a loaded assembly (Linux unlinks it
/// quietly, which hid this: the harness renamed its fresh copy over the one a run started beside it had loaded). So each
/// run instruments into a folder of its own, and publishes it by creating the cache's marker, never overwriting it: moving
/// a finished file to a name that does not exist yet is atomic on every OS, and only one run can win it. A run that loses
/// deletes its own folder (nothing loaded it) and uses the winner's. A run killed while instrumenting leaves its folder
/// behind, never published; the next change of the library starts a new hash folder.
/// </summary>
internal static class InstrumentedCache
{
    private const string Marker = "published";

    /// <summary>The published instrumented copy of <paramref name="original"/> under <paramref name="directory"/>, made first if there is none.</summary>
    /// <param name="directory">The cache (one folder per original's hash).</param>
    /// <param name="original">The library to instrument.</param>
    /// <param name="instrument">Instruments the copy at the path it is given, in place; returns how many types it instrumented.</param>
    public static string GetOrCreate(string directory, string original, Func<string, int> instrument)
    {
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(original)))[..16];
        string folder = Path.Combine(directory, hash);
        string marker = Path.Combine(folder, Marker);
        string name = Path.GetFileName(original);
        if (Published(marker, name) is { } published) return published;

        string own = Path.Combine(folder, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(own);
        string copy = Path.Combine(own, name);
        File.Copy(original, copy);
        int types = instrument(copy);
        string staged = Path.Combine(own, Marker + ".tmp");
        File.WriteAllText(staged, $"{Path.GetFileName(own)}\n{types} types instrumented\n");
        try
        {
            File.Move(staged, marker, overwrite: false);
            return copy;
        }
        catch (IOException) when (File.Exists(marker))
        {
            Directory.Delete(own, recursive: true);
            return Published(marker, name)!;
        }
    }

    /// <summary>The copy the marker names (its first line is the publishing run's folder); null before one is published.</summary>
    private static string? Published(string marker, string name) =>
        File.Exists(marker) ? Path.Combine(Path.GetDirectoryName(marker)!, File.ReadLines(marker).First(), name) : null;
}
