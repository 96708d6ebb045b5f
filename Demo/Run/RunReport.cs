using Demo.Fleet;
using Demo.Game;
using Demo.Telemetry;

namespace Demo.Run;

/// <summary>The figures of one run: what the summary prints, the HTML report charts, and the tests check.</summary>
public sealed record RunReport
{
    public required DemoOptions Options { get; init; }
    public required string OutputFolder { get; init; }
    public required double PlayedSeconds { get; init; }
    public bool Cancelled { get; init; }
    public int BotsRequested { get; init; }
    public int BotsConnected { get; init; }
    /// <summary>The transports the bots' connections used at the end of play (from their stats).</summary>
    public IReadOnlyList<string> ConnectionTransports { get; init; } = [];
    public int PilotsJoinedServer { get; init; }
    public IReadOnlyList<ConvergenceResult> Convergence { get; init; } = [];
    public IReadOnlyList<PilotResult> Pilots { get; init; } = [];
    public IReadOnlyList<string> Leaderboard { get; init; } = [];
    public IReadOnlyList<string> AchievementsUnlocked { get; init; } = [];
    public int ProfilesSaved { get; init; }
    public string OnlineBackend { get; init; } = "";
    public long Snapshots { get; init; }
    public long SnapshotBytes { get; init; }
    public long LargestSnapshot { get; init; }
    public long SnapshotRecords { get; init; }
    public long MalformedSnapshots { get; init; }
    public IReadOnlyDictionary<string, long> BytesByKind { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> SnapshotBitsByComponent { get; init; } = new Dictionary<string, long>();
    public long InputsAccepted { get; init; }
    public long InputsLate { get; init; }
    public long InputsMissing { get; init; }
    /// <summary>Host mode: inputs of the host's own pilot the server accepted (handed over in memory, no network hop).</summary>
    public long HostPilotInputs { get; init; }
    /// <summary><c>--nat</c>: how each bot reached the host through the NATs ("Direct": punched; "Relayed": through the introducer).</summary>
    public IReadOnlyList<string> NatPaths { get; init; } = [];
    public IReadOnlyList<ClientHealth> ClientHealth { get; init; } = [];
    public long PredictionCorrections { get; init; }
    public long PredictionSnaps { get; init; }
    public int RocksDestroyed { get; init; }
    public int ShotsFired { get; init; }
    public long CapturedPackets { get; init; }
    public string? CapturePath { get; init; }
    public string? HtmlPath { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>The Lua pilot's file name when the bots flew a script (<c>--script</c>).</summary>
    public string? Script { get; init; }
    /// <summary>The script's failures in every bot (file:line: kind: message), at most 20 per bot.</summary>
    public IReadOnlyList<string> ScriptErrors { get; init; } = [];
    /// <summary>Fire RPCs the bots' brains (built-in or script) sent.</summary>
    public long FireRequests { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<TelemetrySample> Samples { get; init; } = [];

    /// <summary>The fleet run's servers, sessions and chaos (<c>--servers</c>), or null.</summary>
    public FleetReport? Fleet { get; init; }

    /// <summary>In a fleet run: every bot plays in a live session at the end and, with <c>--chaos</c>, the killed server's players recovered in time.</summary>
    public bool FleetHealthy => Fleet is { } fleet && fleet.BotsPlaying == BotsRequested && (!Options.Chaos || fleet.Chaos is { Recovered: true });

    /// <summary>Whether every bot connected and every checked client converged on the server's state.</summary>
    public bool AllConverged => Convergence.Count > 0 && Convergence.All(c => c.Converged);

    /// <summary>Whether every bot's corrections and input arrivals stayed within <see cref="Run.ClientHealth"/>'s limits.</summary>
    public bool AllHealthy => ClientHealth.All(h => h.Healthy);

    /// <summary>The exit code: 0 for a healthy run.</summary>
    public int ExitCode => Errors.Count == 0 && BotsConnected == BotsRequested && (!ChecksConvergence || AllConverged) && AllHealthy
        && (Options.Mode is not (DemoMode.Fleet or DemoMode.Players) || FleetHealthy) ? 0 : 1;

    /// <summary>Runs that hold the authoritative world and their own bots compare every bot with it at the end.</summary>
    private bool ChecksConvergence => Options.Mode == DemoMode.All || (Options.Mode == DemoMode.Host && BotsRequested > 0);

    /// <summary>Mean snapshot size in bytes.</summary>
    public double MeanSnapshotBytes => Snapshots == 0 ? 0 : SnapshotBytes / (double)Snapshots;
}
