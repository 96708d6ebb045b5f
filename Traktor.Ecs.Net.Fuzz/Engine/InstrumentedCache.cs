using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Keeps instrumented copies of a library between runs, keyed by the original's content, placed so that no run replaces or
/// deletes a file another run may have loaded. Windows refuses to rename over or delete a loaded assembly (Linux unlinks it
/// quietly, which hid this: the harness renamed its fresh copy over the one a run started beside it had loaded). So each
/// run instruments into a folder of its own, and publishes it by creating the cache's marker, never overwriting it: moving
/// a finished file to a name that does not exist yet is atomic on every OS, and only one run can win it. A run that loses
/// deletes its own folder (nothing loaded it) and uses the winner's, and so does a run whose instrumenting throws. A run
/// killed while instrumenting leaves its folder behind, never published: every later run sweeps such folders (under any
/// hash) once the process their name records has exited, since only the publishing run's folder is ever loaded by others.
/// </summary>
internal static class InstrumentedCache
{
    private const string Marker = "published";
    private const string RunPrefix = "run-";

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
        SweepAbandonedRuns(directory);
        if (Published(marker, name) is { } published) return published;

        string own = Path.Combine(folder, $"{RunPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(own);
        string staged = Path.Combine(own, Marker + ".tmp");
        string copy = Path.Combine(own, name);
        try
        {
            File.Copy(original, copy);
            int types = instrument(copy);
            File.WriteAllText(staged, $"{Path.GetFileName(own)}\n{types} types instrumented\n");
        }
        catch
        {
            try
            {
                Directory.Delete(own, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The OS still holds a file: a later run's sweep deletes the folder; the instrumenter's error is the one to see.
            }

            throw;
        }
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

    /// <summary>
    /// Deletes the unpublished run folders (under every hash) whose process has exited: runs killed while instrumenting. A
    /// published folder is kept (other runs may have loaded its copy), and so is any folder whose process still runs (it may
    /// be about to publish). A reused process id only keeps a folder until a later sweep.
    /// </summary>
    /// <param name="directory">The cache.</param>
    internal static void SweepAbandonedRuns(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string hashFolder in Directory.EnumerateDirectories(directory))
        {
            string marker = Path.Combine(hashFolder, Marker);
            foreach (string run in Directory.EnumerateDirectories(hashFolder, RunPrefix + "*"))
            {
                // The marker is read after the process is found gone, not before: a run that published and then exited
                // between the two would otherwise have its published folder deleted under every later run.
                string runName = Path.GetFileName(run);
                if (ProcessOf(runName) is not { } pid || IsRunning(pid) || runName == PublisherOf(marker)) continue;
                try
                {
                    Directory.Delete(run, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another sweep deleted it first, or the OS still holds a file: the next run tries again.
                }
            }
        }
    }

    /// <summary>The process id a run folder's name records (<c>run-{pid}-{guid}</c>); null for a name not made here.</summary>
    private static int? ProcessOf(string runName)
    {
        string rest = runName[RunPrefix.Length..];
        int dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest.AsSpan(0, dash), out int pid) ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // exited between the lookup and the question
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // the id now names a process we may not inspect (Windows): keep the folder, a later sweep decides
        }
    }

    private static string? PublisherOf(string marker) => File.Exists(marker) ? File.ReadLines(marker).FirstOrDefault() : null;

    /// <summary>The copy the marker names (its first line is the publishing run's folder); null before one is published.</summary>
    private static string? Published(string marker, string name) =>
        File.Exists(marker) ? Path.Combine(Path.GetDirectoryName(marker)!, File.ReadLines(marker).First(), name) : null;
}
