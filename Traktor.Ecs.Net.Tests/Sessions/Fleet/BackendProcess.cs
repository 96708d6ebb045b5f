using System.Diagnostics;
using System.Globalization;
using System.Text;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// The shipped backend (<c>Traktor.Ecs.Net.Backend.dll</c>) as its own process, as it is deployed. Its judgement of which game
/// servers are alive must not depend on this test process's thread pool: under the whole suite's load the pool here can be
/// starved for seconds, and a backend hosted in it would hear heartbeats late and declare live servers dead.
/// </summary>
internal sealed class BackendProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly List<HttpClient> clients = new();

    private BackendProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the backend with <paramref name="arguments"/> and waits until it answers its readiness check.</summary>
    public static async Task<BackendProcess> StartAsync(Uri baseAddress, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Traktor.Ecs.Net.Backend.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var backend = new BackendProcess(Process.Start(start)!, baseAddress);
        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60) && !backend.process.HasExited)
        {
            try
            {
                using var ready = await probe.GetAsync("v1/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return backend;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        string log = backend.Output;
        await backend.DisposeAsync();
        throw new InvalidOperationException($"the backend did not become ready:\n{log}");
    }

    /// <summary>A backend connection for the HTTP service implementations, with the server key.</summary>
    public OnlineBackendClient CreateBackendClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        clients.Add(client);
        return new OnlineBackendClient(client, BackendTestServer.ServerKey);
    }

    /// <summary>SIGTERM, as an orchestrator stops a node: the host finishes its requests and exits.</summary>
    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"the backend did not stop within 30 s of SIGTERM:\n{Output}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 200_000)
            {
                output.AppendLine(line);
            }
        }
    }
}
