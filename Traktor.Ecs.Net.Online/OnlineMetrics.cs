using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Online;

/// <summary>The online services' counters, on a <see cref="Meter"/> named after this assembly.</summary>
public static class OnlineMetrics
{
    /// <summary>The meter's name: <c>Traktor.Ecs.Net.Online</c>.</summary>
    public const string MeterName = "Traktor.Ecs.Net.Online";

    private static readonly Meter Meter = new(MeterName, typeof(OnlineMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Successful logins.</summary>
    public static readonly Counter<long> Logins = Meter.CreateCounter<long>("traktor.online.logins", description: "Successful logins");

    /// <summary>Failed logins (wrong credentials or locked out).</summary>
    public static readonly Counter<long> LoginFailures = Meter.CreateCounter<long>("traktor.online.login_failures", description: "Failed logins");

    /// <summary>Accounts or addresses locked out.</summary>
    public static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("traktor.online.lockouts", description: "Login lockouts started");

    /// <summary>Score submissions applied (replays excluded).</summary>
    public static readonly Counter<long> ScoresSubmitted = Meter.CreateCounter<long>("traktor.online.scores_submitted", description: "Score submissions applied");

    /// <summary>Achievements unlocked.</summary>
    public static readonly Counter<long> AchievementsUnlocked = Meter.CreateCounter<long>("traktor.online.achievements_unlocked", description: "Achievements unlocked");

    /// <summary>Bytes written to cloud saves.</summary>
    public static readonly Counter<long> CloudSaveBytesWritten = Meter.CreateCounter<long>("traktor.online.cloud_save_bytes", unit: "By", description: "Bytes written to cloud saves");
}
