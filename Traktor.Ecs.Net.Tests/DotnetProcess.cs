using System.Diagnostics;

namespace Traktor.Ecs.Net.Tests;

/// <summary>
/// Runs a built .NET program of the solution (the backend, the fuzz harness) as a child process with the <c>dotnet</c> host
/// the tests run under, the way an operator or a script runs it, and collects what it printed.
/// </summary>
internal static class DotnetProcess
{
    /// <summary>What a child printed and how it exited.</summary>
    public sealed record Outcome(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>Standard error's non-empty lines, trimmed.</summary>
        public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// How to start <paramref name="dll"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>: with the
    /// test run's own host (<c>DOTNET_HOST_PATH</c>, else <c>dotnet</c> on the path), both output streams redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args, string workingDirectory)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    /// <summary>
    /// Runs <paramref name="start"/> to completion, reading both streams as it goes (a full pipe would block the child). A
    /// child still running after <paramref name="timeout"/> is killed with its children, and a <see cref="TimeoutException"/>
    /// says what it had printed.
    /// </summary>
    public static async Task<Outcome> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
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
            throw new TimeoutException($"{Path.GetFileName(start.ArgumentList[0])} did not exit within {timeout}:\n{await output}\n{await error}");
        }
        return new Outcome(process.ExitCode, await output, await error);
    }
}
