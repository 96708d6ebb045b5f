using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Online;

/// <summary>The online services' counters, on a <see cref="Meter"/> named after this assembly.</summary>
public static class OnlineMetrics
{
    /// <summary>The meter's name: <c>Traktor.Ecs.Net.Online</c>.</summary>
    public const string MeterName = "Traktor.Ecs.Net.Online";

    private static readonly Meter Meter = new(MeterName, typeof(OnlineMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>The tag naming the store a <see cref="StoreDuration"/> measurement timed: <c>sqlite</c> or <c>postgresql</c>.</summary>
    public const string StoreTag = "traktor.store";

    /// <summary>The tag saying what a <see cref="StoreDuration"/> measurement timed: <c>read</c> or <c>write</c>.</summary>
    public const string OperationTag = "traktor.operation";

    /// <summary>Successful logins.</summary>
    public static readonly Counter<long> Logins = Meter.CreateCounter<long>("traktor.online.logins", description: "Successful logins");

    /// <summary>Failed logins (wrong credentials or locked out).</summary>
    public static readonly Counter<long> LoginFailures = Meter.CreateCounter<long>("traktor.online.login_failures", description: "Failed logins");

    /// <summary>Login delays started or lengthened by a failure (per account and address, address, or account).</summary>
    public static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("traktor.online.lockouts", description: "Login delays started by failed logins");

    /// <summary>Logins refused without checking the password because a delay was running.</summary>
    public static readonly Counter<long> LoginsThrottled = Meter.CreateCounter<long>("traktor.online.logins_throttled", description: "Logins refused during a login delay");

    /// <summary>Password hashes refused because every hashing slot and queue place of the node was taken.</summary>
    public static readonly Counter<long> PasswordHashesRefused = Meter.CreateCounter<long>("traktor.online.password_hashes_refused", description: "Password hashes refused (busy)");

    /// <summary>Requests refused by a rate limit kept in the shared store.</summary>
    public static readonly Counter<long> SharedRateLimited = Meter.CreateCounter<long>("traktor.online.shared_rate_limited", description: "Requests refused by a shared rate limit");

    /// <summary>Score submissions applied (replays excluded).</summary>
    public static readonly Counter<long> ScoresSubmitted = Meter.CreateCounter<long>("traktor.online.scores_submitted", description: "Score submissions applied");

    /// <summary>Achievements unlocked.</summary>
    public static readonly Counter<long> AchievementsUnlocked = Meter.CreateCounter<long>("traktor.online.achievements_unlocked", description: "Achievements unlocked");

    /// <summary>Bytes written to cloud saves.</summary>
    public static readonly Counter<long> CloudSaveBytesWritten = Meter.CreateCounter<long>("traktor.online.cloud_save_bytes", unit: "By", description: "Bytes written to cloud saves");

    /// <summary>
    /// How long each unit of store work took, in seconds, tagged <see cref="StoreTag"/> and <see cref="OperationTag"/>: a
    /// read from opening the connection to the last row; a write from waiting for the writer (SQLite has one) to the
    /// commit, transient-failure retries included, since the caller waited for all of it.
    /// </summary>
    public static readonly Histogram<double> StoreDuration = Meter.CreateHistogram<double>("traktor.online.store.duration", unit: "s", description: "Time taken by a unit of store work");
}
