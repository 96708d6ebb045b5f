using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Demo.Console;
using Demo.Game;
using Demo.Online;
using Demo.Run;
using Demo.Telemetry;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Demo.Fleet;

/// <summary>
/// <c>--servers N</c>: the backend with its session directory in this process, N <c>--game-server</c> child processes that
/// register with it, and bots that quick-join through the directory (which places each new session on the least-loaded
/// live server). With <c>--chaos</c> the server with the most players is killed with SIGKILL halfway through play; its
/// players are told their session ended (<see cref="SessionEndReason.ServerLost"/>) and quick-join another one. The run
/// succeeds when every bot is playing in a session the directory lists as live, and every player of the killed server was
/// told why and played again within the recovery budget (<see cref="DemoOptions.RecoveryBudgetSeconds"/>, 5 s by default).
/// </summary>
public sealed class FleetRun(DemoOptions options, IDemoView view, DemoLog log)
{
    /// <summary>Game servers heartbeat this often.</summary>
    public const int HeartbeatMs = 250;

    /// <summary>Silence after which the directory declares a game server dead.</summary>
    public const int DeadAfterMs = 2500;

    /// <summary>Silence after which a player drops its connection (carried in the connect tokens).</summary>
    public const int ConnectionTimeoutSeconds = 3;

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<GameServerProcess> servers = new();
    private double nextFleetView;

    /// <summary>The stated time from a server's crash to its players playing elsewhere: the connection timeout, the directory's answer, a quick-join.</summary>
    private TimeSpan RecoveryBudget => TimeSpan.FromSeconds(options.RecoveryBudgetSeconds);

    /// <summary>Runs the fleet and returns the run's figures.</summary>
    /// <param name="folder">The run folder (the backend's database).</param>
    /// <param name="cancellationToken">Ends play early (the report is still written).</param>
    /// <returns>The report.</returns>
    public async Task<RunReport> RunAsync(string folder, CancellationToken cancellationToken)
    {
        if (options.Mode == DemoMode.Players)
        {
            // A fleet deployed elsewhere: no backend or game server here, only its players.
            if (options.Accounts is not null && !TryBotsSecret(Environment.GetEnvironmentVariable(BotsSecretVariable), out string? problem))
            {
                log.Error(problem!);
                return Report(folder, 0, cancellationToken, [], null, null);
            }

            var external = new Uri(options.BackendAddress!.TrimEnd('/') + "/");
            view.Message($"{options.Bots} bots play in the fleet behind {external} (its game servers must run this demo's arena: protocol id {DemoProtocol.Id:X16})");
            return await PlayAsync(folder, external, Math.Max(1, (int)Math.Ceiling(options.Bots / (double)options.Sessions)), cancellationToken);
        }

        byte[] gameServerKey = ConnectTokenIssuer.GenerateServerKey();
        int perSession = Math.Max(1, (int)Math.Ceiling(options.Bots / (double)options.Sessions));
        view.Message($"starting the online backend with the session directory (ASP.NET Core + SQLite) …");
        await using var backend = await DemoBackend.StartAsync(folder, null, options.Bots,
        [
            $"--Online:Sessions:GameServerKey={Convert.ToBase64String(gameServerKey)}",
            $"--Online:Sessions:ProtocolId=0x{DemoProtocol.Id:X}",
            $"--Online:Sessions:ConnectionTimeoutSeconds={ConnectionTimeoutSeconds}",
            $"--Online:Sessions:HeartbeatIntervalMs={HeartbeatMs}",
            $"--Online:Sessions:DeadAfterMs={DeadAfterMs}",
            // At the end the bots leave; their sessions then end soon, and the servers drain and exit.
            "--Online:Sessions:EmptySessionTimeoutSeconds=2",
        ]);
        try
        {
            return await RunFleetAsync(folder, backend, gameServerKey, perSession, cancellationToken);
        }
        finally
        {
            servers.ForEach(s => s.Dispose());
        }
    }

    private async Task<RunReport> RunFleetAsync(string folder, DemoBackend backend, byte[] gameServerKey, int perSession, CancellationToken cancellationToken)
    {
        for (int i = 1; i <= options.Servers; i++)
        {
            servers.Add(GameServerProcess.Start($"gs-{i}", backend.BaseAddress, backend.ServerKey, gameServerKey, options.MaxSessions, options.Asteroids, options.Transport));
        }

        view.Message($"started {servers.Count} game-server processes ({string.Join(", ", servers.Select(s => $"{s.Name} pid {s.ProcessId}"))}); waiting for them to register …");
        var registering = Stopwatch.StartNew();
        while (servers.Any(s => s.ServerId is null) && registering.Elapsed < TimeSpan.FromSeconds(60) && !servers.Any(s => s.HasExited))
        {
            await Task.Delay(50, CancellationToken.None);
        }

        if (servers.FirstOrDefault(s => s.ServerId is null) is { } silent)
        {
            log.Error($"game server {silent.Name} did not register ({silent.State}):\n{silent.Tail}");
            return Report(folder, 0, cancellationToken, [], null, null);
        }

        return await PlayAsync(folder, backend.BaseAddress, perSession, cancellationToken);
    }

    /// <summary>A bot's account: <c>NAME-NN</c>, the same every run, with <c>--accounts</c>; else a new one per run.</summary>
    internal static string BotName(string? accounts, int index, string runTag) =>
        accounts is null ? $"pilot-{index:00}-{runTag}" : $"{accounts}-{index:00}";

    /// <summary>The environment variable whose secret the passwords of <c>--accounts</c> bots are derived from.</summary>
    internal const string BotsSecretVariable = "TRAKTOR_BOTS_SECRET";

    /// <summary>The shortest <see cref="BotsSecretVariable"/> accepted.</summary>
    internal const int MinBotsSecretLength = 16;

    /// <summary>Whether <paramref name="secret"/> can derive the passwords of <c>--accounts</c> bots; else why not.</summary>
    internal static bool TryBotsSecret(string? secret, out string? problem)
    {
        problem = secret is null || secret.Length < MinBotsSecretLength
            ? $"--accounts reuses the same accounts every run, so their passwords are derived from a secret: set {BotsSecretVariable} " +
              $"(at least {MinBotsSecretLength} characters, the same every run, kept like a password) — without it anyone who knows the accounts' names could sign in as them."
            : null;
        return problem is null;
    }

    /// <summary>
    /// A bot's password: with a <paramref name="secret"/> (<c>--accounts</c>), HMAC-SHA256 of the name under it, the same every
    /// run and unknowable without it; without one, random (an account used for one run). A name-derived password let
    /// anyone who knew the accounts' names sign in as the load-test's bots on a deployed backend.
    /// </summary>
    internal static string BotPassword(string? secret, string name)
    {
        byte[] bytes = secret is null
            ? RandomNumberGenerator.GetBytes(24)
            : HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("traktor-demo-bot:" + name));
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private async Task<RunReport> PlayAsync(string folder, Uri backendAddress, int perSession, CancellationToken cancellationToken)
    {
        string tag = Guid.NewGuid().ToString("N")[..4];
        string? botsSecret = options.Accounts is null ? null : Environment.GetEnvironmentVariable(BotsSecretVariable); // checked before the run
        var session = new SessionOptions($"fleet-arena-{tag}", perSession);
        var link = new LinkConditions { LatencyMs = options.RoundTripMs / 2, JitterMs = options.RoundTripMs / 40, LossPercent = options.LossPercent };
        var bots = Enumerable.Range(1, options.Bots)
            .Select(i => (Index: i, Name: BotName(options.Accounts, i, tag)))
            .Select(bot => new FleetBot(bot.Index, bot.Name, BotPassword(botsSecret, bot.Name), backendAddress, session, link, clock, log, options.Transport)).ToList();
        try
        {
            view.Message($"{bots.Count} bots log in and quick-join sessions of {perSession} through the directory …");
            bots.ForEach(b => b.Join());
            var clients = bots.Select(b => b.Client).ToList();
            var recorder = new TelemetryRecorder(null, clients);
            var loop = new GameLoop(null, clients, null, recorder, view);
            if (!loop.Run(60, "join", () => Watch(bots), cancellationToken))
            {
                log.Error($"only {bots.Count(b => b.Playing)} of {bots.Count} bots were playing in a session within 60 s");
                if (bots.Where(b => b.RegistrationRefused is not null).Select(b => b.RegistrationRefused!).ToList() is [var first, ..] refused)
                {
                    log.Error($"{refused.Count} bots got no account: the backend registers only so many accounts a day per address " +
                        $"(Online:AccountsPerAddressPerDay; the next in {first.RetryAfter?.TotalMinutes:F0} min). Reuse accounts with --accounts NAME " +
                        "(registered by the first run only), or raise the setting on the deployment for the load test (docs/demo.md)");
                }
            }
            else
            {
                view.Message($"all {bots.Count} bots playing in {bots.Select(b => b.Multiplayer.CurrentSession!.Id).Distinct().Count()} sessions; playing for {options.DurationSeconds:F0} s");
            }

            double start = loop.Seconds;
            ChaosReport? chaos = null;
            GameServerProcess? victim = null;
            List<FleetBot> displaced = [];
            if (options.Chaos)
            {
                loop.Run(options.DurationSeconds / 2, "play", () => Watch(null), cancellationToken);
                victim = servers.Where(s => !s.HasExited).MaxBy(s => bots.Count(b => b.Multiplayer.CurrentSession?.ServerId == s.ServerId));
                if (victim is not null && !cancellationToken.IsCancellationRequested)
                {
                    displaced = bots.Where(b => b.Multiplayer.CurrentSession?.ServerId == victim.ServerId).ToList();
                    double killedAt = clock.Elapsed.TotalSeconds;
                    victim.Kill();
                    view.Message($"chaos: SIGKILL {victim.Name} (pid {victim.ProcessId}) with {displaced.Count} players in {victim.Sessions} sessions");
                    chaos = new ChaosReport(victim.Name, victim.ServerId!, killedAt, RecoveryBudget.TotalSeconds, []);
                }
            }

            loop.Run(options.DurationSeconds - (loop.Seconds - start), "play", () => Watch(null), cancellationToken);
            double played = loop.Seconds - start;
            if (chaos is not null)
            {
                // The displaced players are told and quick-join on their own; give them the budget and a margin before judging.
                loop.Run(RecoveryBudget.TotalSeconds * 2, "recover", () => Watch(bots) && displaced.All(b => b.LossesSoFar().Any(l => l.PlayingAgainAt is not null)), CancellationToken.None);
                ChaosReport killed = chaos;
                chaos = killed with { Players = displaced.Select(b => Displaced(b, killed)).ToList() };
                foreach (var player in chaos.Players.Where(p => !p.Recovered))
                {
                    log.Error(string.Create(CultureInfo.InvariantCulture,
                        $"chaos: {player.Bot} was told {player.Reason ?? "nothing"} after {player.ToldAfterSeconds:F2} s and played again after {player.PlayingAgainAfterSeconds:F2} s (budget {RecoveryBudget.TotalSeconds:F0} s)"));
                }
            }
            else
            {
                loop.Run(10, "settle", () => Watch(bots), CancellationToken.None);
            }

            // Each bot asks as itself (no server key: a deployed fleet's backend is someone else's).
            int playing = await CountPlayingAsync(bots, victim);
            if (playing != bots.Count)
            {
                log.Error($"{bots.Count - playing} of {bots.Count} bots were not playing in a live session at the end");
            }

            // The run's sessions are its bots' (named with the run's tag): any logged-in bot may list them; with none
            // logged in (or no bots at all) there are none.
            var lister = bots.FirstOrDefault(b => b.Multiplayer.UserId is not null);
            var live = lister is null ? [] : (await lister.Directory.ListSessionsAsync(new SessionFilter { NameContains = session.Name }, limit: 100)).Sessions;
            // A fleet deployed elsewhere: its servers' names only with the operator's server key (players see ids).
            var (names, namesMissing) = options.Mode == DemoMode.Players
                ? await ServerLabels.FetchAsync(backendAddress, Environment.GetEnvironmentVariable("TRAKTOR_SERVER_KEY"), CancellationToken.None)
                : (new Dictionary<string, string>(), null);
            var sessions = live.Where(s => s.State == SessionState.Live)
                .Select(s => new FleetSessionRow(s.Id.ToString(), servers.FirstOrDefault(g => g.ServerId == s.ServerId)?.Name ?? ServerLabels.Of(s.ServerId, names), s.PlayerCount, s.MaxPlayers))
                .OrderBy(s => s.Server, StringComparer.Ordinal).ToList();
            ShowFleet(force: true);
            // Before they leave: what carries each bot's connection (UDP, or the stream of --transport), and the sessions
            // that ended under them while they played (the drain at the end is the run's own doing, not theirs).
            var transports = bots.Where(b => b.Playing).Select(b => b.Client.Transport.GetStats().Transport.ToString()).Distinct().ToList();
            var ends = SessionEnds.Of(bots.SelectMany(b => b.LossesSoFar()));
            await LeaveAndDrainAsync(bots, loop);
            var report = Report(folder, played, cancellationToken, bots, new FleetReport(Rows(), sessions, playing, bots.Sum(b => b.FailedJoins), chaos, namesMissing, ends), recorder)
                with { ConnectionTransports = transports };
            if (report.ExitCode != 0 || log.Errors.Count > 0)
            {
                // What each game server said last (registrations, heartbeat failures, sessions ended) explains most failed runs.
                foreach (var server in servers)
                {
                    view.Message($"game server {server.Name} ({server.State}), its last lines:{Environment.NewLine}{server.Tail}");
                }
            }

            return report;
        }
        finally
        {
            bots.ForEach(b => b.Dispose());
        }
    }

    /// <summary>Called every tick: shows the fleet once a second and says whether every bot (when given) is playing.</summary>
    private bool Watch(List<FleetBot>? bots)
    {
        ShowFleet(force: false);
        return bots is not null && bots.All(b => b.Playing);
    }

    private void ShowFleet(bool force)
    {
        double now = clock.Elapsed.TotalSeconds;
        if (force || now >= nextFleetView)
        {
            nextFleetView = now + 1;
            view.ShowFleet(Rows());
        }
    }

    private List<FleetServerRow> Rows() => servers.Select(s => new FleetServerRow(s.Name, s.ServerId, s.ProcessId, s.State, s.Sessions, s.Players,
        s.TickMilliseconds, s.MeanTickMilliseconds, s.PeakTickMilliseconds, s.PeakSessions, s.HeartbeatFailures)).ToList();

    private ChaosPlayer Displaced(FleetBot bot, ChaosReport chaos)
    {
        var loss = bot.LossesSoFar().FirstOrDefault(l => l.ServerId == chaos.ServerId);
        return new ChaosPlayer(bot.Client.Name, loss?.Reason.ToString(), loss?.ToldAt - chaos.KilledAtSeconds, loss?.PlayingAgainAt - chaos.KilledAtSeconds,
            servers.FirstOrDefault(s => s.ServerId == loss?.NewServerId)?.Name, chaos.BudgetSeconds);
    }

    /// <summary>Bots connected to a session that the directory lists as live, with them as members, on a server that was not killed.</summary>
    private static async Task<int> CountPlayingAsync(List<FleetBot> bots, GameServerProcess? victim)
    {
        int playing = 0;
        foreach (var bot in bots)
        {
            if (!bot.Playing || bot.Multiplayer.CurrentSession is not { } current || bot.Multiplayer.UserId is not { } user)
            {
                continue;
            }

            var info = await bot.Directory.GetSessionAsync(current.Id);
            if (info is { State: SessionState.Live } && info.IsMember(user) && info.ServerId != victim?.ServerId)
            {
                playing++;
            }
        }

        return playing;
    }

    /// <summary>The bots leave their sessions; the servers, sent SIGTERM, drain (their sessions end once empty) and exit.</summary>
    private async Task LeaveAndDrainAsync(List<FleetBot> bots, GameLoop loop)
    {
        bots.ForEach(b => b.Stop());
        var leaving = bots.Select(b => b.Multiplayer.LeaveSessionAsync()).ToList();
        loop.Run(5, "leave", () => leaving.All(t => t.IsCompleted), CancellationToken.None);
        foreach (var server in servers.Where(s => !s.HasExited))
        {
            server.Drain();
        }

        var draining = Stopwatch.StartNew();
        while (servers.Any(s => !s.HasExited) && draining.Elapsed < TimeSpan.FromSeconds(15))
        {
            ShowFleet(force: false);
            await Task.Delay(100, CancellationToken.None);
        }

        ShowFleet(force: true);
        foreach (var server in servers.Where(s => !s.HasExited && !s.Killed))
        {
            log.LogWarning("game server {Server} did not drain within 15 s; stopping it", server.Name);
        }
    }

    private RunReport Report(string folder, double played, CancellationToken cancellationToken, List<FleetBot> bots, FleetReport? fleet, TelemetryRecorder? recorder)
    {
        var clients = bots.Select(b => b.Client).ToList();
        return new RunReport
        {
            Options = options,
            OutputFolder = folder,
            PlayedSeconds = played,
            Cancelled = cancellationToken.IsCancellationRequested,
            BotsRequested = options.Bots,
            BotsConnected = bots.Count(b => b.Client.EverConnected),
            PilotsJoinedServer = bots.Count(b => b.Sessions.Count > 0),
            Snapshots = clients.Sum(c => c.Network.Replication.Counters.Snapshots),
            SnapshotBytes = clients.Sum(c => c.Network.Replication.Counters.SnapshotBytes),
            SnapshotRecords = clients.Sum(c => c.Network.Replication.Counters.Records),
            MalformedSnapshots = clients.Sum(c => c.Network.Replication.Counters.MalformedSnapshots),
            PredictionCorrections = clients.Sum(c => c.Smoothing.Corrections),
            PredictionSnaps = clients.Sum(c => c.Smoothing.Snaps),
            OnlineBackend = options.Mode == DemoMode.Players ? "the fleet behind " + options.BackendAddress : "session directory on SQLite " + Path.Combine(folder, "online.db"),
            Samples = recorder?.Samples ?? [],
            Fleet = fleet,
        };
    }
}
