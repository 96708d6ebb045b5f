using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Demo.Run;
using Traktor.Ecs.Net;

namespace Demo.Fleet;

/// <summary>
/// One <c>--game-server</c> child process of the fleet demo: started with the backend's address and the keys in its environment,
/// read through its machine-readable lines (<c>game-server ready …</c>, one <c>status …</c> a second), killed with SIGKILL by
/// the chaos option or drained with SIGTERM at the end.
/// </summary>
public sealed partial class GameServerProcess : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<string> tail = new();
    private readonly Process process;
    private double tickSum;
    private int tickCount;

    private GameServerProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The label given with <c>--name</c>.</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>The fleet id the directory gave it, once registered.</summary>
    public string? ServerId { get; private set; }

    /// <summary>Sessions at the last status line.</summary>
    public int Sessions { get; private set; }

    /// <summary>Most sessions seen at once.</summary>
    public int PeakSessions { get; private set; }

    /// <summary>Connected players at the last status line.</summary>
    public int Players { get; private set; }

    /// <summary>Mean tick time (all sessions together) at the last status line, in milliseconds.</summary>
    public double TickMilliseconds { get; private set; }

    /// <summary>Mean of the status lines' tick times while the server hosted a session, in milliseconds.</summary>
    public double MeanTickMilliseconds
    {
        get
        {
            lock (gate)
            {
                return tickCount == 0 ? 0 : tickSum / tickCount;
            }
        }
    }

    /// <summary>Largest tick time a status line reported, in milliseconds.</summary>
    public double PeakTickMilliseconds { get; private set; }

    /// <summary>Heartbeats that failed, at the last status line.</summary>
    public long HeartbeatFailures { get; private set; }

    /// <summary>Set when the demo killed it.</summary>
    public bool Killed { get; private set; }

    /// <summary>Set when it printed that it drained.</summary>
    public bool Drained { get; private set; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>What the dashboard shows for it.</summary>
    public string State => Killed ? "killed" : Drained ? "drained" : process.HasExited ? $"exited {process.ExitCode}" : ServerId is null ? "starting" : "live";

    /// <summary>The last lines it printed other than its once-a-second status (for error messages).</summary>
    public string Tail
    {
        get
        {
            lock (gate)
            {
                return string.Join(Environment.NewLine, tail);
            }
        }
    }

    /// <summary>Starts <c>Demo.dll --game-server</c> with this assembly's host.</summary>
    /// <param name="name">Its label.</param>
    /// <param name="backend">The backend's address.</param>
    /// <param name="serverKey">The backend's server key (TRAKTOR_SERVER_KEY).</param>
    /// <param name="gameServerKey">The key connect tokens are sealed with (TRAKTOR_GAME_SERVER_KEY).</param>
    /// <param name="maxSessions">Sessions it hosts at most.</param>
    /// <param name="asteroids">Rocks per session.</param>
    /// <param name="transport">What it listens on beside UDP (<c>--transport</c>; UDP: nothing else).</param>
    /// <returns>The running process.</returns>
    public static GameServerProcess Start(string name, Uri backend, string serverKey, byte[] gameServerKey, int maxSessions, int asteroids,
        TransportKind transport = TransportKind.Udp)
    {
        // `dotnet run` and `dotnet Demo.dll` run under the dotnet host; the tests run this code in their own host, which
        // sets DOTNET_HOST_PATH. The game server is the same Demo.dll either way.
        string? current = Environment.ProcessPath;
        string host = current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet"
            ? current
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            typeof(GameServerProcess).Assembly.Location, "--game-server", "--backend", backend.ToString(),
            "--max-sessions", maxSessions.ToString(CultureInfo.InvariantCulture), "--name", name,
            "--asteroids", asteroids.ToString(CultureInfo.InvariantCulture),
            "--transport", DemoTransports.Names.First(n => n.Value == transport).Key,
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TRAKTOR_SERVER_KEY"] = serverKey;
        start.Environment["TRAKTOR_GAME_SERVER_KEY"] = Convert.ToBase64String(gameServerKey);
        return new GameServerProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}"));
    }

    /// <summary>SIGKILL: no goodbye, no deregistration; the directory finds out by its silence.</summary>
    public void Kill()
    {
        Killed = true;
        process.Kill(entireProcessTree: true);
    }

    /// <summary>SIGTERM: the server takes no new sessions and exits once its last one has ended.</summary>
    public void Drain()
    {
        if (process.HasExited)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit(2000);
    }

    /// <summary>Waits for the process to exit.</summary>
    /// <param name="timeout">How long at most.</param>
    /// <returns>True when it exited.</returns>
    public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (!line.StartsWith("status ", StringComparison.Ordinal))
        {
            lock (gate)
            {
                tail.Enqueue(line);
                while (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }
        }

        if (ReadyLine().Match(line) is { Success: true } ready)
        {
            ServerId = ready.Groups[1].Value;
        }
        else if (StatusLine().Match(line) is { Success: true } status)
        {
            ServerId = status.Groups[1].Value;
            Sessions = int.Parse(status.Groups[2].Value, CultureInfo.InvariantCulture);
            Players = int.Parse(status.Groups[3].Value, CultureInfo.InvariantCulture);
            TickMilliseconds = double.Parse(status.Groups[4].Value, CultureInfo.InvariantCulture);
            HeartbeatFailures = long.Parse(status.Groups[5].Value, CultureInfo.InvariantCulture);
            PeakSessions = Math.Max(PeakSessions, Sessions);
            if (Sessions > 0)
            {
                lock (gate)
                {
                    tickSum += TickMilliseconds;
                    tickCount++;
                }

                PeakTickMilliseconds = Math.Max(PeakTickMilliseconds, TickMilliseconds);
            }
        }
        else if (line.StartsWith("drained ", StringComparison.Ordinal))
        {
            Drained = true;
        }
    }

    [GeneratedRegex(@"^game-server ready server=(\w+) ")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"^status server=(\w+) sessions=(\d+) players=(\d+) tick-ms=([0-9.]+) heartbeats=\d+ failures=(\d+)")]
    private static partial Regex StatusLine();
}
