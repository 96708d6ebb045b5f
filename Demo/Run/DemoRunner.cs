using System.Globalization;
using System.Net;
using Demo.Bots;
using Demo.Console;
using Demo.Game;
using Demo.Online;
using Demo.Report;
using Demo.Telemetry;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Demo.Run;

/// <summary>
/// Runs the demo in one of its modes and returns the run's figures, after writing the HTML report,
/// its JSON data and the packet capture. Program.cs and the tests both call this.
/// </summary>
public sealed partial class DemoRunner(DemoOptions options, IDemoView view)
{
    private readonly DemoLog log = new() { Echo = view.Message };

    /// <summary>The live profiler's page while the run plays (null before it starts, and with --no-profiler).</summary>
    public Uri? ProfilerUrl { get; private set; }

    private Traktor.Ecs.Net.LiveProfiler? StartProfiler(ArenaServer? server, IReadOnlyList<BotClient> bots)
    {
        if (options.ProfilerPort is not { } port)
        {
            return null;
        }

        var profiler = DemoProfiler.Start(port, server, bots);
        view.Message($"live profiler: {profiler.Url}");
        ProfilerUrl = profiler.Url;
        return profiler;
    }

    /// <summary>Runs to the end (or until <paramref name="cancellationToken"/> fires, which still writes the report).</summary>
    public async Task<RunReport> RunAsync(CancellationToken cancellationToken)
    {
        string folder = options.OutputFolder ?? Path.Combine(Path.GetTempPath(), "traktor-demo", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);
        RunReport report = null!;
        await view.RunAsync(async () => report = options.Mode switch
        {
            DemoMode.Server => await RunServerAsync(folder, cancellationToken),
            DemoMode.Client => await RunClientsAsync(folder, cancellationToken),
            DemoMode.Host => await RunHostAsync(folder, cancellationToken),
            DemoMode.Fleet or DemoMode.Players => await new Demo.Fleet.FleetRun(options, view, log).RunAsync(folder, cancellationToken),
            _ => await RunAllAsync(folder, cancellationToken),
        });
        report = await ReportWriter.WriteAsync(report with { Errors = log.Errors, Warnings = log.Warnings });
        view.Summary(report);
        return report;
    }

    private LinkConditions Link() => new()
    {
        // The simulators sit on both sides, so each direction carries half the round trip.
        LatencyMs = options.RoundTripMs / 2,
        JitterMs = options.RoundTripMs / 40,
        LossPercent = options.LossPercent,
    };

    private async Task<RunReport> RunAllAsync(string folder, CancellationToken cancellationToken)
    {
        string capturePath = Path.Combine(folder, "capture.pcapng");
        using var capture = new PcapngWriter(File.Create(capturePath));
        var socket = DemoTransports.Listen(options.Transport, options.Port, log);
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        var tokens = new TransportConnectTokenIssuer(new ConnectTokenIssuer(key, DemoProtocol.Id), [socket.LocalAddress]);
        view.Message("starting the online backend (ASP.NET Core + SQLite) …");
        await using var backend = await DemoBackend.StartAsync(folder, tokens, options.Bots);
        var online = new ArenaOnline(backend.ConnectAsServer());
        await online.DefineAsync(CancellationToken.None);
        using var server = new ArenaServer(socket, Link(), key, capture, options.Asteroids, log, localBots: options.Bots, snapshotRate: options.SnapshotRate);
        view.Message($"server on {DemoTransports.Describe(server.Address)}, backend on {backend.BaseAddress}; registering {options.Bots} bots …");
        string tag = Guid.NewGuid().ToString("N")[..4];
        var accounts = await Task.WhenAll(Enumerable.Range(1, options.Bots).Select(i =>
            BotAccount.CreateAsync(backend.ConnectAsPlayer(), $"pilot-{i:00}-{tag}", CancellationToken.None)));
        var bots = accounts.Select(a => new BotClient((int)a.Session.UserId, a.Session.Username, Link(), insecure: false, log, options.Transport, options.ScriptPath)).ToList();
        try
        {
            for (int i = 0; i < bots.Count; i++)
            {
                bots[i].ConnectWithToken(accounts[i].Session.ConnectToken);
            }

            var recorder = new TelemetryRecorder(server, bots);
            using var profiler = StartProfiler(server, bots);
            var loop = new GameLoop(server, bots, online, recorder, view) { Profiler = profiler };
            var health = new HealthWindow(bots, server);
            double played = Play(loop, bots, health.Start, cancellationToken);
            var clientHealth = health.End(played);

            // Freeze the world and let every client catch up, then compare each client with the server.
            server.Match.Frozen = true;
            bots.ForEach(b => b.Brain.Idle = true);
            loop.Run(0.5, "settle", null, CancellationToken.None);
            loop.Run(4.0, "settle", () => bots.All(b => ConvergenceCheck.Compare(server, b).Converged), CancellationToken.None);
            var convergence = bots.Select(b => ConvergenceCheck.Compare(server, b)).ToList();
            var bytesByKind = BytesByKind(server);
            var inputs = server.InputTotals();
            int connected = bots.Count(b => b.EverConnected);
            var transports = bots.Where(b => b.Transport.State == ClientState.Connected).Select(b => b.Transport.GetStats().Transport.ToString()).Distinct().ToList();
            bots.ForEach(b => b.Disconnect());
            loop.Run(0.3, "leave", () => server.Ships.Count == 0, CancellationToken.None);

            view.Message("submitting scores, unlocking achievements, cloud-saving profiles …");
            var names = accounts.ToDictionary(a => (int)a.Session.UserId, a => a.Session.Username);
            var results = server.Results().Select(r => r with { Name = names.GetValueOrDefault(r.PilotId, "") }).ToList();
            var board = await online.FinishAsync(results, $"match-{tag}", CancellationToken.None);
            int saved = 0;
            foreach (var account in accounts)
            {
                var result = results.FirstOrDefault(r => r.PilotId == account.Session.UserId) ?? new PilotResult((int)account.Session.UserId, 0, 0, 0, 0);
                await account.SaveProfileAsync(result, CancellationToken.None);
                await account.LogoutAsync(CancellationToken.None);
                saved++;
            }

            online.Failures.ForEach(log.Error);
            return BaseReport(folder, played, cancellationToken, recorder, server, bots) with
            {
                BotsConnected = connected,
                ConnectionTransports = transports,
                Pilots = results,
                InputsAccepted = inputs.Accepted,
                InputsLate = inputs.Late,
                InputsMissing = inputs.Missing,
                ClientHealth = clientHealth,
                Convergence = convergence,
                BytesByKind = bytesByKind,
                SnapshotBitsByComponent = BitsByComponent(server),
                Leaderboard = board.Entries.Select(e => $"#{e.Rank} {e.Username} {e.Score}").ToList(),
                AchievementsUnlocked = online.Unlocked.ToList(),
                ProfilesSaved = saved,
                OnlineBackend = $"{backend.BaseAddress} (Traktor.Ecs.Net.Backend over SQLite {Path.Combine(folder, "online.db")})",
                CapturedPackets = capture.PacketCount,
                CapturePath = capturePath,
            };
        }
        finally
        {
            bots.ForEach(b => b.Dispose());
        }
    }

    private async Task<RunReport> RunServerAsync(string folder, CancellationToken cancellationToken)
    {
        string capturePath = Path.Combine(folder, "capture.pcapng");
        using var capture = new PcapngWriter(File.Create(capturePath));
        var socket = DemoTransports.Listen(options.Transport, options.Port, log);
        using var server = new ArenaServer(socket, Link(), privateKey: null, capture, options.Asteroids, log, localBots: options.Bots, snapshotRate: options.SnapshotRate);
        view.Message($"server listening on {DemoTransports.Describe(server.Address)} (insecure mode: no connect tokens, for LAN/development) for {options.DurationSeconds:F0} s; protocol {DemoProtocol.Id:X16} schema {DemoProtocol.Registry.ProtocolHash:X16}");
        string transportOption = options.Transport == TransportKind.Udp ? "" : $" --transport {DemoTransports.Names.First(n => n.Value == options.Transport).Key}";
        view.Message($"connect bots with: dotnet run --project Demo -c Release -- --client {server.Address.ToEndPoint()}{transportOption}");
        var recorder = new TelemetryRecorder(server, []);
        using var profiler = StartProfiler(server, []);
        var loop = new GameLoop(server, [], null, recorder, view) { Profiler = profiler };
        loop.Run(options.DurationSeconds, "serve", null, cancellationToken);
        var bytesByKind = BytesByKind(server);
        await Task.CompletedTask;
        return BaseReport(folder, loop.Seconds, cancellationToken, recorder, server, []) with
        {
            BytesByKind = bytesByKind,
            CapturedPackets = capture.PacketCount,
            CapturePath = capturePath,
        };
    }

    private async Task<RunReport> RunClientsAsync(string folder, CancellationToken cancellationToken)
    {
        var address = NetAddress.FromEndPoint(options.ServerAddress ?? throw new InvalidOperationException("--client needs the server's host:port."), options.Transport);
        int firstId = Random.Shared.Next(1000, 900_000);
        // --nat: each bot behind its own simulated NAT, introduced to the host by the introducer the host registered with.
        var traversals = options.Nat is { } kind
            ? Enumerable.Range(0, options.Bots).Select(_ => DemoNat.Behind(kind, NetAddress.FromEndPoint(options.IntroducerAddress!))).ToList()
            : [];
        var bots = Enumerable.Range(0, options.Bots).Select(i => new BotClient(firstId + i, $"bot-{i + 1:00}", Link(), insecure: true, log, options.Transport, options.ScriptPath,
            socket: traversals.Count > 0 ? traversals[i] : null)).ToList();
        try
        {
            var recorder = new TelemetryRecorder(null, bots);
            using var profiler = StartProfiler(null, bots);
            var loop = new GameLoop(null, bots, null, recorder, view) { Profiler = profiler };
            if (traversals.Count == 0)
            {
                bots.ForEach(b => b.ConnectInsecure(address));
                view.Message($"{bots.Count} bots connecting to {DemoTransports.Describe(address)} (insecure mode) …");
            }
            else
            {
                traversals.ForEach(t => t.Join(options.Rendezvous!.Value));
                if (!loop.Run(BotClient.ConnectTimeout.TotalSeconds, "introduce", () => traversals.All(DemoNat.Reached), cancellationToken))
                {
                    log.Error($"only {traversals.Count(DemoNat.Reached)} of {traversals.Count} bots reached the host through their NATs");
                }

                view.Message($"bots behind {DemoOptions.NatName(options.Nat!.Value)} NATs reached the host: {traversals.Count(t => t.GetPath(t.HostAddress) == NatPath.Direct)} punched, "
                    + $"{traversals.Count(t => t.GetPath(t.HostAddress) == NatPath.Relayed)} relayed");
                for (int i = 0; i < bots.Count; i++)
                {
                    bots[i].ConnectInsecure(traversals[i].HostAddress.IsNone ? address : traversals[i].HostAddress);
                }
            }

            var health = new HealthWindow(bots, null);
            double played = Play(loop, bots, health.Start, cancellationToken);
            var clientHealth = health.End(played);
            var natPaths = traversals.Select(t => t.GetPath(t.HostAddress).ToString()).ToList();
            int connected = bots.Count(b => b.EverConnected);
            var bytesByKind = new Dictionary<string, long>
            {
                ["snapshots (received)"] = bots.Sum(b => b.Network.Replication.Counters.SnapshotBytes),
                ["input commands, fire RPCs, acks, headers (sent)"] = bots.Sum(b => b.Transport.GetStats().BytesSent),
            };
            bots.ForEach(b => b.Disconnect());
            loop.Run(0.3, "leave", null, CancellationToken.None);
            await Task.CompletedTask;
            return BaseReport(folder, played, cancellationToken, recorder, null, bots) with
            {
                BotsConnected = connected,
                BytesByKind = bytesByKind,
                ClientHealth = clientHealth,
                NatPaths = natPaths,
            };
        }
        finally
        {
            bots.ForEach(b => b.Dispose());
        }
    }

    private double Play(GameLoop loop, List<BotClient> bots, Action startOfPlay, CancellationToken cancellationToken)
    {
        // The phase ends as soon as every bot is in; its limit only matters when one never gets there.
        double window = BotClient.ConnectTimeout.TotalSeconds + 5;
        if (!loop.Run(window, "connect", () => bots.All(b => b.Transport.State == ClientState.Connected), cancellationToken))
        {
            log.Error($"only {bots.Count(b => b.Transport.State == ClientState.Connected)} of {bots.Count} bots connected within {window:F0} s");
        }
        else
        {
            view.Message($"all {bots.Count} bots connected; playing for {options.DurationSeconds:F0} s");
        }

        double start = loop.Seconds;
        startOfPlay();
        loop.Run(options.DurationSeconds, "play", null, cancellationToken);
        return loop.Seconds - start;
    }

    private RunReport BaseReport(string folder, double played, CancellationToken cancellationToken, TelemetryRecorder recorder, ArenaServer? server, List<BotClient> bots)
    {
        var counters = server?.Network.Replication.Counters;
        return new RunReport
        {
            Options = options,
            OutputFolder = folder,
            PlayedSeconds = played,
            Cancelled = cancellationToken.IsCancellationRequested,
            BotsRequested = bots.Count,
            PilotsJoinedServer = server?.PilotsJoined ?? 0,
            Pilots = server?.Results() ?? [],
            Snapshots = counters?.Snapshots ?? bots.Sum(b => b.Network.Replication.Counters.Snapshots),
            SnapshotBytes = counters?.SnapshotBytes ?? bots.Sum(b => b.Network.Replication.Counters.SnapshotBytes),
            LargestSnapshot = counters?.LargestSnapshot ?? 0,
            SnapshotRecords = counters?.Records ?? bots.Sum(b => b.Network.Replication.Counters.Records),
            MalformedSnapshots = bots.Sum(b => b.Network.Replication.Counters.MalformedSnapshots),
            RocksDestroyed = server?.Match.RocksDestroyed ?? 0,
            ShotsFired = server?.Match.ShotsFired ?? 0,
            Samples = recorder.Samples,
            PredictionCorrections = bots.Sum(b => b.Smoothing.Corrections),
            PredictionSnaps = bots.Sum(b => b.Smoothing.Snaps),
            Script = options.ScriptPath is null ? null : Path.GetFileName(options.ScriptPath),
            ScriptErrors = bots.SelectMany(b => b.Brain is ScriptedBotBrain scripted ? scripted.Errors.Select(e => $"{b.Name}: {e}") : []).ToList(),
            FireRequests = bots.Sum(b => b.Brain.ShotsRequested),
        };
    }

    /// <summary>What the server's traffic was made of, from its connections' totals and the replication counters.</summary>
    private static Dictionary<string, long> BitsByComponent(ArenaServer server)
    {
        var counters = server.Network.Replication.Counters;
        var types = DemoProtocol.Registry.Types;
        var bits = new Dictionary<string, long>();
        for (int i = 0; i < counters.ComponentBits.Count && i < types.Count; i++)
        {
            bits[types[i].Info.FullName[(types[i].Info.FullName.LastIndexOf('.') + 1)..]] = counters.ComponentBits[i];
        }

        bits["entity lists"] = counters.EntityListBits;
        return bits;
    }

    private static Dictionary<string, long> BytesByKind(ArenaServer server)
    {
        server.UpdateTraffic();
        long sent = server.BytesSent, received = server.BytesReceived;
        long snapshots = server.Network.Replication.Counters.SnapshotBytes;
        return new Dictionary<string, long>
        {
            ["snapshots"] = snapshots,
            ["headers, acks, resends (out)"] = Math.Max(0, sent - snapshots),
            ["input commands, fire RPCs, acks, headers (in)"] = received,
        };
    }
}
