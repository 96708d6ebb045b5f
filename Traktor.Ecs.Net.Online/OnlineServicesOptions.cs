using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Sessions;

namespace Traktor.Ecs.Net.Online;

/// <summary>Everything <see cref="OnlineServices"/> needs besides the store.</summary>
public sealed class OnlineServicesOptions
{
    /// <summary>
    /// Token keys, lifetimes, hashing cost and lockouts; null for a process that issues and checks no access tokens (a game
    /// server that only submits scores, progresses achievements or writes cloud saves): it then needs no signing key, and
    /// login, refresh, token checks and logout throw <see cref="TokenSigningKeyMissingException"/>. Registration still works
    /// (at the production hashing cost).
    /// </summary>
    public AuthenticationOptions? Authentication { get; init; }

    /// <summary>Cloud-save quotas.</summary>
    public CloudSaveOptions CloudSave { get; init; } = new();

    /// <summary>The default of <see cref="MaxIdempotencyKeysPerPlayer"/>.</summary>
    public const int DefaultMaxIdempotencyKeysPerPlayer = 1024;

    /// <summary>
    /// How many idempotency keys one player keeps per leaderboard and per achievement (1,024): a submission with a new
    /// key beyond it forgets that player's oldest key there, so a replay is recognized for the player's newest this many
    /// keys on each board (and for 30 days at most, <see cref="OnlineMaintenance.IdempotencyKeyRetention"/>). Without it a
    /// player sending a fresh key every time kept a row per request for the whole retention.
    /// </summary>
    public int MaxIdempotencyKeysPerPlayer { get; init; } = DefaultMaxIdempotencyKeysPerPlayer;

    /// <summary>Past periods of a resetting leaderboard <see cref="OnlineServices.Maintenance"/> keeps (<see cref="OnlineMaintenance.LeaderboardPastPeriodsKept"/>, 12).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 0 (checked when set, before any store is opened).</exception>
    public int LeaderboardPastPeriodsKept
    {
        get;
        init => field = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(LeaderboardPastPeriodsKept), value, "LeaderboardPastPeriodsKept must be 0 or more (0 keeps only the current period).");
    } = OnlineMaintenance.DefaultLeaderboardPastPeriodsKept;

    /// <summary>The clock; a fake one in tests.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Issues connect tokens for game servers at login, or null for none.</summary>
    public IConnectTokenIssuer? ConnectTokenIssuer { get; init; }

    /// <summary>The session directory's rules, or null for no directory.</summary>
    public SessionDirectoryOptions? Sessions { get; init; }

    /// <summary>Where the services log, or null for nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
