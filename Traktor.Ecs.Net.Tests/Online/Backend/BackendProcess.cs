using System.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>Runs the built backend executable as a child process, the way an operator does, and collects what it printed.</summary>
internal static class BackendProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Traktor.Ecs.Net.Backend.dll");

    public sealed record Outcome(int ExitCode, string StandardOutput, string StandardError)
    {
        public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Runs the backend to completion (it must exit on its own within <paramref name="timeout"/>).</summary>
    public static async Task<Outcome> RunAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Nothing of the test run's own environment may steer the child's configuration.
        foreach (string key in start.Environment.Keys.Where(key => key.StartsWith("Online__", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"The backend did not exit within {timeout}:\n{await output}\n{await error}");
        }
        return new Outcome(process.ExitCode, await output, await error);
    }
}
