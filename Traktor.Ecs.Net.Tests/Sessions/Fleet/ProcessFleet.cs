using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Demo.Game;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A real fleet on this machine: the backend process (restartable on the same port and database), game-server processes
/// (<c>Demo.dll --game-server</c>), and player clients (the <see cref="Multiplayer"/> facade over loopback UDP) ticked at 60 Hz
/// on one thread of this process.
/// </summary>
internal sealed partial class ProcessFleet : IAsyncDisposable
{
    // Sized for a loaded 2-core machine: a process can be starved of CPU for a second or more, which must not read as a dead
    // server or a lost connection (heartbeats ride their own timer, so a stalled tick does not silence a server; a whole
    // process or the backend can still be starved). The SIGKILL test measures the recovery these add up to.
    public const int HeartbeatMs = 250;
    public const int DeadAfterMs = 2500;
    public const int ConnectionTimeoutSeconds = 3;

    /// <summary>How long a player tries to reach a game server: the first connection to a fresh process JIT-compiles its session world.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly string folder = OnlineTestSettings.TempDirectory();
    private readonly byte[] gameServerKey = RandomNumberGenerator.GetBytes(32);
    private readonly string signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly int port = LoopbackPorts.FreeTcp();
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly List<Player> players = new();

    /// <summary>Noted on every line a game server prints and when one exits: the fleet's waits check their conditions then.</summary>
    private readonly Changes output = new();
    private Task? loop;
    private string[] storeArgs = [];
    private Func<Task>? dropStore;

    private readonly int deadAfterMs;
    private readonly System.Text.StringBuilder stoppedBackends = new();

    private ProcessFleet(int deadAfterMs) => this.deadAfterMs = deadAfterMs;

    /// <summary>A fleet whose backend keeps its database in SQLite (a file in a temp folder) or in a private PostgreSQL schema.</summary>
    /// <param name="postgres">True for PostgreSQL.</param>
    /// <param name="deadAfterMs">The directory's dead timeout: generous where the test does not measure recovery from a crash.</param>
    public static async Task<ProcessFleet> CreateAsync(bool postgres, int deadAfterMs = DeadAfterMs)
    {
        var fleet = new ProcessFleet(deadAfterMs);
        if (postgres)
        {
            var (connectionString, drop) = await Directory.PostgresSchema.CreateAsync();
            fleet.storeArgs = ["--Online:Database=postgres", $"--Online:ConnectionString={connectionString}"];
            fleet.dropStore = drop;
        }
        else
        {
            fleet.storeArgs = [$"--Online:ConnectionString={Path.Combine(fleet.folder, "fleet.db")}"];
        }

        return fleet;
    }

    public BackendProcess? Backend { get; private set; }

    public List<GameServerProcess> Servers { get; } = new();

    public IReadOnlyList<Player> Players
    {
        get
        {
            lock (gate)
            {
                return players.ToArray();
            }
        }
    }

    public Uri BackendAddress => new($"http://127.0.0.1:{port}/");

    /// <summary>Starts (or restarts) the backend process on the same port and database.</summary>
    /// <param name="extraArgs">More settings; they win over the fleet's.</param>
    public async Task StartBackendAsync(params string[] extraArgs)
    {
        Backend = await BackendProcess.StartAsync(BackendAddress, BackendTestServer.Arguments(Path.Combine(folder, "fleet.db"),
            [$"--urls=http://127.0.0.1:{port}",
            .. storeArgs,
            $"--Online:TokenSigningKey={signingKey}",
            $"--Online:Sessions:GameServerKey={Convert.ToBase64String(gameServerKey)}",
            $"--Online:Sessions:ProtocolId=0x{DemoProtocol.Id:X}",
            $"--Online:Sessions:ConnectionTimeoutSeconds={ConnectionTimeoutSeconds}",
            $"--Online:Sessions:HeartbeatIntervalMs={HeartbeatMs}",
            $"--Online:Sessions:DeadAfterMs={deadAfterMs}",
            "--Online:Sessions:MaxSessionsPerPlayer=4",
            "--Online:AuthRequestsPerMinutePerAddress=600",
            "--Online:AccountsPerAddressPerDay=10000",
            "--Online:RequestsPerSecondPerAddress=1000",
            .. extraArgs]));
    }

    /// <summary>Stops the backend with SIGTERM (an orderly shutdown of one node: the database stays).</summary>
    public async Task StopBackendAsync()
    {
        await Backend!.StopAsync();
        await Backend.DisposeAsync();
        stoppedBackends.AppendLine("--- backend (stopped) ---").AppendLine(Backend.Output);
        Backend = null;
    }

    /// <summary>Starts a game-server process and waits until it has registered.</summary>
    public async Task<GameServerProcess> StartServerAsync(string name, int maxSessions = 16, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArgs)
    {
        string demo = Path.Combine(AppContext.BaseDirectory, "Demo.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments = [demo, "--game-server", "--backend", BackendAddress.ToString(), "--max-sessions", maxSessions.ToString(), "--name", name, "--asteroids", "10", .. extraArgs];
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TRAKTOR_SERVER_KEY"] = BackendTestServer.ServerKey;
        start.Environment["TRAKTOR_GAME_SERVER_KEY"] = Convert.ToBase64String(gameServerKey);
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        var server = new GameServerProcess(name, Process.Start(start)!, output);
        Servers.Add(server);
        Assert.True(await server.WaitForAsync(() => server.ServerId is not null, TimeSpan.FromSeconds(60)), $"{name} did not register:\n{server.Output}");
        return server;
    }

    /// <summary>A player with its own loopback socket and backend connection, ticked by the fleet's client loop.</summary>
    public Player AddPlayer(string username)
    {
        var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var transport = new NetClient(socket, new NetClientOptions { ProtocolId = DemoProtocol.Id, SchemaHash = DemoProtocol.Registry.ProtocolHash, ConnectTimeout = ConnectTimeout });
        var world = World.Create();
        var client = new NetworkClient(world, transport, DemoProtocol.Registry, Arena.TickRate);
        _ = new RpcClient(client, DemoProtocol.Rpcs);
        var http = new HttpClient { BaseAddress = BackendAddress, Timeout = TimeSpan.FromSeconds(10) };
        var multiplayer = Multiplayer.OverBackend(client, new OnlineBackendClient(http),
            new MultiplayerAccount(username, "correct horse battery", RegisterIfMissing: true),
            new MultiplayerOptions { DefaultSession = new Traktor.Ecs.Net.Sessions.SessionOptions("arena", 4) });
        var player = new Player(username, world, transport, multiplayer, new Group<float>(username, client, multiplayer), socket, http);
        lock (gate)
        {
            players.Add(player);
        }

        loop ??= Task.Factory.StartNew(TickPlayers, TaskCreationOptions.LongRunning);
        return player;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        foreach (var server in Servers)
        {
            server.Dispose();

            // Shown with a failed test's result: what each game server said (registrations, heartbeat failures, sessions).
            TestContext.Current.TestOutputHelper?.WriteLine($"--- game server {server.Name} ({server.ServerId}) ---{Environment.NewLine}{server.Output}");
        }

        foreach (var player in Players)
        {
            player.Dispose();
        }

        TestContext.Current.TestOutputHelper?.WriteLine(stoppedBackends.ToString());
        if (Backend is not null)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"--- backend ---{Environment.NewLine}{Backend.Output}");
            await Backend.DisposeAsync();
        }

        if (dropStore is not null)
        {
            await dropStore();
        }

        OnlineTestSettings.DeleteDirectory(folder);
    }

    private void TickPlayers()
    {
        var clock = Stopwatch.StartNew();
        var next = clock.Elapsed;
        var tick = TimeSpan.FromSeconds(1.0 / Arena.TickRate);
        while (!stop.IsCancellationRequested)
        {
            float dt = (float)tick.TotalSeconds;
            foreach (var player in Players)
            {
                player.Group.Tick(in dt);
            }

            next += tick;
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
        }
    }

    internal sealed record Player(string Name, World World, NetClient Transport, Multiplayer Multiplayer, Group<float> Group, UdpTransport Socket, HttpClient Http) : IDisposable
    {
        public void Dispose()
        {
            Transport.Dispose();
            Socket.Dispose();
            Http.Dispose();
            World.Dispose();
        }
    }

    internal sealed partial class GameServerProcess : IDisposable
    {
        private readonly System.Text.StringBuilder output = new();
        private readonly Changes changes;
        private int statusLines;

        public GameServerProcess(string name, Process process, Changes changes)
        {
            Name = name;
            Process = process;
            this.changes = changes;
            process.OutputDataReceived += (_, e) => Line(e.Data);
            process.ErrorDataReceived += (_, e) => Line(e.Data);
            process.Exited += (_, _) => changes.Note();
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Name { get; }

        public Process Process { get; }

        public string? ServerId { get; private set; }

        /// <summary>Sessions and players at the last status line (printed every second: it may be up to a second old).</summary>
        public (int Sessions, int Players, long Failures) Status { get; private set; }

        /// <summary>How many status lines the server printed.</summary>
        public int StatusLines => Volatile.Read(ref statusLines);

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

        /// <summary>SIGTERM, as Kubernetes sends on pod deletion: the server drains.</summary>
        public void Terminate() => Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit(5000);

        /// <summary>SIGKILL: no goodbye, no deregistration.</summary>
        public void Kill() => Process.Kill(entireProcessTree: true);

        /// <summary>
        /// True once <paramref name="condition"/> holds, checked again whenever a game server of the fleet prints a line or exits;
        /// false when it does not before this server exits or <paramref name="timeout"/> (a hang guard) passes.
        /// </summary>
        public Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout) => changes.UntilAsync(condition, timeout, over: () => Process.HasExited);

        /// <summary>
        /// Waits for a status line printed after this call (at most 30 s), so <see cref="Status"/> then counts everything that
        /// happened before it, not only what the last line, up to a second old, had seen.
        /// </summary>
        public async Task NextStatusAsync()
        {
            int seen = StatusLines;
            Assert.True(await WaitForAsync(() => StatusLines > seen, TimeSpan.FromSeconds(30)), $"{Name} printed no status line:\n{Output}");
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }

            Process.Dispose();
        }

        private void Line(string? line)
        {
            if (line is null)
            {
                changes.Note(); // its output ended: the process is exiting
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (ReadyLine().Match(line) is { Success: true } ready)
            {
                ServerId = ready.Groups[1].Value;
            }
            else if (StatusLine().Match(line) is { Success: true } status)
            {
                ServerId = status.Groups[1].Value;
                Status = (int.Parse(status.Groups[2].Value), int.Parse(status.Groups[3].Value), long.Parse(status.Groups[4].Value));
                Interlocked.Increment(ref statusLines);
            }

            changes.Note();
        }

        [GeneratedRegex(@"^game-server ready server=(\w+) ")]
        private static partial Regex ReadyLine();

        [GeneratedRegex(@"^status server=(\w+) sessions=(\d+) players=(\d+) tick-ms=\S+ heartbeats=\d+ failures=(\d+)")]
        private static partial Regex StatusLine();
    }
}
