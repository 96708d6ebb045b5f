namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>Runs the built backend executable as a child process, the way an operator does, and collects what it printed.</summary>
internal static class BackendProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Traktor.Ecs.Net.Backend.dll");

    /// <summary>Runs the backend to completion (it must exit on its own within <paramref name="timeout"/>).</summary>
    public static Task<DotnetProcess.Outcome> RunAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = DotnetProcess.StartInfo(Dll, args, workingDirectory);
        // Nothing of the test run's own environment may steer the child's configuration.
        foreach (string key in start.Environment.Keys.Where(key => key.StartsWith("Online__", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return DotnetProcess.RunAsync(start, timeout);
    }
}
