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
    public long PredictionCorrections { get; init; }
    public long PredictionSnaps { get; init; }
    public int RocksDestroyed { get; init; }
    public int ShotsFired { get; init; }
    public long CapturedPackets { get; init; }
    public string? CapturePath { get; init; }
    public string? HtmlPath { get; init; }
    public string? JsonPath { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<TelemetrySample> Samples { get; init; } = [];

    /// <summary>Whether every bot connected and every checked client converged on the server's state.</summary>
    public bool AllConverged => Convergence.Count > 0 && Convergence.All(c => c.Converged);

    /// <summary>The exit code: 0 for a healthy run.</summary>
    public int ExitCode => Errors.Count == 0 && BotsConnected == BotsRequested && (Options.Mode != DemoMode.All || AllConverged) ? 0 : 1;

    /// <summary>Mean snapshot size in bytes.</summary>
    public double MeanSnapshotBytes => Snapshots == 0 ? 0 : SnapshotBytes / (double)Snapshots;
}
