using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Achievements;

/// <summary><see cref="IAchievements"/> on an <see cref="OnlineDatabase"/>.</summary>
/// <remarks>This in-process service is trusted: it progresses server-only achievements and lists hidden ones in full. The backend enforces who may call it and redacts for players.</remarks>
public sealed class AchievementService : IAchievements
{
    private readonly OnlineDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxIdempotencyKeysPerPlayer;

    /// <summary>Creates the service.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="time">The clock that stamps unlocks.</param>
    /// <param name="logger">Where events are logged.</param>
    /// <param name="maxIdempotencyKeysPerPlayer">
    /// How many idempotency keys one player keeps per achievement (<see cref="OnlineServicesOptions.MaxIdempotencyKeysPerPlayer"/>):
    /// recording one more forgets that player's oldest there, so a replay is recognized for the newest this many.
    /// </param>
    public AchievementService(OnlineDatabase database, TimeProvider? time = null, ILogger<AchievementService>? logger = null,
        int maxIdempotencyKeysPerPlayer = OnlineServicesOptions.DefaultMaxIdempotencyKeysPerPlayer)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIdempotencyKeysPerPlayer, 1);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxIdempotencyKeysPerPlayer = maxIdempotencyKeysPerPlayer;
    }

    /// <inheritdoc/>
    public async Task DefineAchievementAsync(AchievementDefinition definition, CancellationToken cancellationToken = default)
    {
        CheckDefinition(definition);
        await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
            "INSERT INTO achievements (id, name, description, threshold, hidden, server_only) VALUES (@id, @n, @d, @th, @h, @so) " +
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, threshold = excluded.threshold, " +
            "hidden = excluded.hidden, server_only = excluded.server_only",
            cancellationToken, ("@id", definition.Id), ("@n", definition.Name), ("@d", definition.Description), ("@th", definition.Threshold),
            ("@h", definition.Hidden ? 1L : 0L), ("@so", definition.ServerOnly ? 1L : 0L)), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Defined achievement {AchievementId}", definition.Id);
    }

    /// <summary>Reads an achievement's definition.</summary>
    /// <param name="achievementId">The achievement.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The definition, or null if there is none.</returns>
    public Task<AchievementDefinition?> GetAchievementDefinitionAsync(string achievementId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(achievementId, "Achievement id");
        return _database.ReadAsync(connection => LoadDefinitionAsync(connection, null, achievementId, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AchievementUpdate> UnlockAchievementAsync(string achievementId, long userId, CancellationToken cancellationToken = default) =>
        ProgressAsync(achievementId, userId, amount: null, idempotencyKey: null, cancellationToken);

    /// <inheritdoc/>
    public Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, CancellationToken cancellationToken = default) =>
        AddAchievementProgressAsync(achievementId, userId, amount, idempotencyKey: null, cancellationToken);

    /// <inheritdoc/>
    public Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (amount < 1)
        {
            throw OnlineException.Invalid("Progress to add must be 1 or more.");
        }
        if (idempotencyKey is not null && idempotencyKey.Length == 0)
        {
            throw OnlineException.Invalid("An idempotency key must not be empty.");
        }
        OnlineLimits.CheckText(idempotencyKey, "Idempotency key", OnlineLimits.MaxIdempotencyKeyLength);
        return ProgressAsync(achievementId, userId, amount, idempotencyKey, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AchievementStatus>> GetAchievementsAsync(long userId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckUserId(userId);
        return _database.ReadAsync<IReadOnlyList<AchievementStatus>>(async connection =>
        {
            var list = await connection.QueryAsync(null,
                "SELECT a.id, a.name, a.description, a.threshold, a.hidden, a.server_only, p.progress, p.unlocked_at FROM achievements a " +
                "LEFT JOIN achievement_progress p ON p.achievement_id = a.id AND p.user_id = @u",
                reader => new AchievementStatus(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(4) != 0,
                    reader.GetInt64(5) != 0, reader.GetNullableInt64(6) ?? 0, reader.GetInt64(3),
                    reader.GetNullableInt64(7) is { } unlocked ? DateTimeOffset.FromUnixTimeMilliseconds(unlocked) : null),
                cancellationToken, ("@u", userId)).ConfigureAwait(false);
            // Ordered here rather than in SQL so the order is ordinal whatever the database's collation.
            list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
            return list;
        }, cancellationToken);
    }

    private async Task<AchievementUpdate> ProgressAsync(string achievementId, long userId, long? amount, string? idempotencyKey, CancellationToken cancellationToken)
    {
        OnlineLimits.CheckId(achievementId, "Achievement id");
        OnlineLimits.CheckUserId(userId);
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var update = await _database.WriteAsync(async (connection, transaction) =>
        {
            var definition = await LoadDefinitionAsync(connection, transaction, achievementId, cancellationToken).ConfigureAwait(false)
                ?? throw OnlineException.NotFound($"No achievement '{achievementId}'.");
            (string, object?)[] key = [("@a", achievementId), ("@u", userId)];
            bool replayed = false;
            if (idempotencyKey is not null)
            {
                string fingerprint = Idempotency.Fingerprint("progress", amount?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                int inserted = await connection.ExecuteAsync(transaction,
                    "INSERT INTO achievement_requests (achievement_id, user_id, idempotency_key, request_hash, created_at) VALUES (@a, @u, @k, @h, @t) " +
                    "ON CONFLICT (achievement_id, user_id, idempotency_key) DO NOTHING",
                    cancellationToken, [.. key, ("@k", idempotencyKey), ("@h", fingerprint), ("@t", nowMs)]).ConfigureAwait(false);
                if (inserted == 1)
                {
                    await Idempotency.ForgetOldestAsync(_database, connection, transaction, "achievement_requests", "achievement_id", achievementId,
                        userId, _maxIdempotencyKeysPerPlayer, idempotencyKey, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    string? recorded = await connection.QuerySingleOrDefaultAsync(transaction,
                        "SELECT request_hash FROM achievement_requests WHERE achievement_id = @a AND user_id = @u AND idempotency_key = @k",
                        reader => reader.GetString(0), cancellationToken, [.. key, ("@k", idempotencyKey)]).ConfigureAwait(false);
                    Idempotency.RequireSameRequest(recorded, fingerprint, idempotencyKey);
                    replayed = true;
                }
            }
            await connection.ExecuteAsync(transaction,
                "INSERT INTO achievement_progress (user_id, achievement_id, progress, unlocked_at) VALUES (@u, @a, 0, NULL) " +
                "ON CONFLICT (user_id, achievement_id) DO NOTHING", cancellationToken, key).ConfigureAwait(false);
            var (progress, unlockedAt) = await connection.QuerySingleOrDefaultAsync(transaction,
                "SELECT progress, unlocked_at FROM achievement_progress WHERE user_id = @u AND achievement_id = @a" + _database.ForUpdate,
                reader => (reader.GetInt64(0), reader.GetNullableInt64(1)), cancellationToken, key).ConfigureAwait(false);
            bool newlyUnlocked = false;
            if (unlockedAt is null && !replayed)
            {
                // Progress stops at the threshold; 128-bit addition keeps a huge amount from wrapping around.
                long newProgress = amount is { } add ? (long)Int128.Min((Int128)progress + add, definition.Threshold) : definition.Threshold;
                if (newProgress >= definition.Threshold)
                {
                    unlockedAt = nowMs;
                    newlyUnlocked = true;
                }
                progress = newProgress;
                await connection.ExecuteAsync(transaction,
                    "UPDATE achievement_progress SET progress = @pr, unlocked_at = @t WHERE user_id = @u AND achievement_id = @a",
                    cancellationToken, [.. key, ("@pr", progress), ("@t", unlockedAt)]).ConfigureAwait(false);
            }
            var status = new AchievementStatus(definition.Id, definition.Name, definition.Description, definition.Hidden, definition.ServerOnly,
                progress, definition.Threshold, unlockedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);
            return new AchievementUpdate(status, newlyUnlocked, replayed);
        }, cancellationToken).ConfigureAwait(false);
        if (update.NewlyUnlocked)
        {
            OnlineMetrics.AchievementsUnlocked.Add(1);
            _logger.LogInformation("User {UserId} unlocked {AchievementId}", userId, achievementId);
        }
        return update;
    }

    private static void CheckDefinition(AchievementDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        OnlineLimits.CheckId(definition.Id, "Achievement id");
        if (string.IsNullOrWhiteSpace(definition.Name))
        {
            throw OnlineException.Invalid("An achievement needs a name.");
        }
        OnlineLimits.CheckText(definition.Name, "Name");
        if (definition.Description is null)
        {
            throw OnlineException.Invalid("Description must not be null (use an empty string).");
        }
        OnlineLimits.CheckText(definition.Description, "Description");
        if (definition.Threshold < 1)
        {
            throw OnlineException.Invalid("Threshold must be 1 or more.");
        }
    }

    private static Task<AchievementDefinition?> LoadDefinitionAsync(DbConnection connection, DbTransaction? transaction, string achievementId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT id, name, description, threshold, hidden, server_only FROM achievements WHERE id = @a",
            reader => new AchievementDefinition(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetInt64(4) != 0, reader.GetInt64(5) != 0), cancellationToken, ("@a", achievementId));
}
