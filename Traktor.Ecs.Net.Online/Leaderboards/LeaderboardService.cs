using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.Leaderboards;

/// <summary>
/// <see cref="ILeaderboards"/> on an <see cref="OnlineDatabase"/>. Records are kept per period (the
/// start of the current cron period, or the Unix epoch for boards that never reset), so a reset is
/// simply the clock passing a cron occurrence and past periods stay readable.
/// Ranks order by score, then by who reached it first, then by user id, so they are total and stable.
/// </summary>
/// <remarks>This in-process service is trusted: it accepts writes to authoritative boards. The backend enforces who may call it.</remarks>
public sealed class LeaderboardService : ILeaderboards
{
    private const int MaxAroundRadius = 50;
    private const string SelectDefinition =
        "SELECT id, sort_order, operator, reset_schedule, authoritative, min_score, max_score, max_change FROM leaderboards WHERE id = @b";

    private readonly OnlineDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxIdempotencyKeysPerPlayer;

    /// <summary>Creates the service.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="time">The clock that decides the current period.</param>
    /// <param name="logger">Where events are logged.</param>
    /// <param name="maxIdempotencyKeysPerPlayer">
    /// How many idempotency keys one player keeps per board (<see cref="OnlineServicesOptions.MaxIdempotencyKeysPerPlayer"/>):
    /// recording one more forgets that player's oldest there, so a replay is recognized for the newest this many.
    /// </param>
    public LeaderboardService(OnlineDatabase database, TimeProvider? time = null, ILogger<LeaderboardService>? logger = null,
        int maxIdempotencyKeysPerPlayer = OnlineServicesOptions.DefaultMaxIdempotencyKeysPerPlayer)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIdempotencyKeysPerPlayer, 1);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxIdempotencyKeysPerPlayer = maxIdempotencyKeysPerPlayer;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Once a board holds scores, what gives them their meaning is fixed: its sort order, operator, reset schedule and
    /// score bounds can no longer change (<see cref="OnlineError.Conflict"/>), because changing them would re-rank or
    /// invalidate history. <c>Authoritative</c> and <c>MaxChangePerSubmission</c> govern future submissions only and may
    /// change at any time; defining the same board again is harmless. To change the rest, define a new board.
    /// </remarks>
    public async Task DefineLeaderboardAsync(LeaderboardDefinition definition, CancellationToken cancellationToken = default)
    {
        LeaderboardScoring.CheckDefinition(definition);
        await _database.WriteAsync(async (connection, transaction) =>
        {
            var existing = await LoadDefinitionAsync(connection, transaction, definition.Id, cancellationToken, _database.ForUpdate).ConfigureAwait(false);
            if (existing is not null && !ChangesOnlyFutureRules(existing, definition))
            {
                bool hasScores = await connection.ScalarAsync<long>(transaction,
                    "SELECT COUNT(*) FROM (SELECT 1 FROM leaderboard_records WHERE leaderboard_id = @b LIMIT 1) AS any_record",
                    cancellationToken, ("@b", definition.Id)).ConfigureAwait(false) > 0;
                if (hasScores)
                {
                    throw new OnlineException(OnlineError.Conflict,
                        $"Leaderboard '{definition.Id}' holds scores, so its sort order, operator, reset schedule and score bounds are fixed; define a new board instead.");
                }
            }
            return await connection.ExecuteAsync(transaction,
                "INSERT INTO leaderboards (id, sort_order, operator, reset_schedule, authoritative, min_score, max_score, max_change) " +
                "VALUES (@b, @o, @op, @r, @a, @min, @max, @mc) ON CONFLICT (id) DO UPDATE SET sort_order = excluded.sort_order, " +
                "operator = excluded.operator, reset_schedule = excluded.reset_schedule, authoritative = excluded.authoritative, " +
                "min_score = excluded.min_score, max_score = excluded.max_score, max_change = excluded.max_change",
                cancellationToken, ("@b", definition.Id), ("@o", (long)definition.SortOrder), ("@op", (long)definition.Operator),
                ("@r", definition.ResetSchedule), ("@a", definition.Authoritative ? 1L : 0L), ("@min", definition.MinScore),
                ("@max", definition.MaxScore), ("@mc", definition.MaxChangePerSubmission)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Defined leaderboard {LeaderboardId}", definition.Id);
    }

    private static bool ChangesOnlyFutureRules(LeaderboardDefinition existing, LeaderboardDefinition proposed) =>
        existing with { Authoritative = proposed.Authoritative, MaxChangePerSubmission = proposed.MaxChangePerSubmission } == proposed;

    /// <inheritdoc/>
    public Task<LeaderboardDefinition?> GetLeaderboardDefinitionAsync(string leaderboardId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(leaderboardId, "Leaderboard id");
        return _database.ReadAsync(connection => LoadDefinitionAsync(connection, null, leaderboardId, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ScoreSubmissionResult> SubmitScoreAsync(ScoreSubmission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        OnlineLimits.CheckId(submission.LeaderboardId, "Leaderboard id");
        OnlineLimits.CheckUserId(submission.UserId);
        OnlineLimits.CheckText(submission.Metadata, "Metadata");
        if (submission.IdempotencyKey is not null && submission.IdempotencyKey.Length == 0)
        {
            throw OnlineException.Invalid("An idempotency key must not be empty.");
        }
        OnlineLimits.CheckText(submission.IdempotencyKey, "Idempotency key", OnlineLimits.MaxIdempotencyKeyLength);
        var now = _time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        string fingerprint = Idempotency.Fingerprint("score", submission.Score.ToString(System.Globalization.CultureInfo.InvariantCulture), submission.Metadata);
        var result = await _database.WriteAsync(async (connection, transaction) =>
        {
            var definition = await LoadDefinitionAsync(connection, transaction, submission.LeaderboardId, cancellationToken).ConfigureAwait(false)
                ?? throw OnlineException.NotFound($"No leaderboard '{submission.LeaderboardId}'.");
            await Idempotency.RequireUserAsync(connection, transaction, submission.UserId, cancellationToken).ConfigureAwait(false);
            long period = CurrentPeriod(definition, now);
            if (submission.IdempotencyKey is { } key)
            {
                int inserted = await connection.ExecuteAsync(transaction,
                    "INSERT INTO leaderboard_submissions (leaderboard_id, user_id, idempotency_key, period_start, created_at, request_hash) VALUES (@b, @u, @k, @p, @t, @h) " +
                    "ON CONFLICT (leaderboard_id, user_id, idempotency_key) DO NOTHING",
                    cancellationToken, ("@b", definition.Id), ("@u", submission.UserId), ("@k", key), ("@p", period), ("@t", nowMs), ("@h", fingerprint)).ConfigureAwait(false);
                if (inserted == 1)
                {
                    await Idempotency.ForgetOldestAsync(_database, connection, transaction, "leaderboard_submissions", "leaderboard_id", definition.Id,
                        submission.UserId, _maxIdempotencyKeysPerPlayer, key, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var (originalPeriod, originalFingerprint) = await connection.QuerySingleOrDefaultAsync(transaction,
                        "SELECT period_start, request_hash FROM leaderboard_submissions WHERE leaderboard_id = @b AND user_id = @u AND idempotency_key = @k",
                        reader => (reader.GetInt64(0), reader.GetNullableString(1)), cancellationToken, ("@b", definition.Id), ("@u", submission.UserId), ("@k", key)).ConfigureAwait(false);
                    // Keys recorded before fingerprints existed (null) are taken on trust.
                    Idempotency.RequireSameRequest(originalFingerprint, fingerprint, key);
                    var existing = await ReadEntryAsync(connection, transaction, definition, originalPeriod, submission.UserId, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("An idempotency key was recorded without its score.");
                    return new ScoreSubmissionResult(existing, Changed: false, Replayed: true, DateTimeOffset.FromUnixTimeMilliseconds(originalPeriod));
                }
            }
            bool changed = await ApplyAsync(connection, transaction, definition, period, submission, nowMs, cancellationToken).ConfigureAwait(false);
            var entry = await ReadEntryAsync(connection, transaction, definition, period, submission.UserId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("A submitted score was not stored.");
            return new ScoreSubmissionResult(entry, changed, Replayed: false, DateTimeOffset.FromUnixTimeMilliseconds(period));
        }, cancellationToken).ConfigureAwait(false);
        if (!result.Replayed)
        {
            OnlineMetrics.ScoresSubmitted.Add(1);
        }
        return result;
    }

    /// <inheritdoc/>
    public Task<LeaderboardPage> GetLeaderboardAsync(string leaderboardId, int offset = 0, int limit = 10, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(leaderboardId, "Leaderboard id");
        OnlineLimits.CheckPage(offset, limit);
        return _database.ReadAsync(async connection =>
        {
            var definition = await RequireDefinitionAsync(connection, leaderboardId, cancellationToken).ConfigureAwait(false);
            long period = ResolvePeriod(definition, periodStart);
            long total = await connection.ScalarAsync<long>(null,
                "SELECT COUNT(*) FROM leaderboard_records WHERE leaderboard_id = @b AND period_start = @p",
                cancellationToken, ("@b", leaderboardId), ("@p", period)).ConfigureAwait(false);
            var entries = await ReadPageAsync(connection, definition, period, offset, limit, cancellationToken).ConfigureAwait(false);
            int? next = offset + entries.Count < total ? offset + entries.Count : null;
            return new LeaderboardPage(leaderboardId, DateTimeOffset.FromUnixTimeMilliseconds(period), entries, total, next);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<LeaderboardEntry>> GetLeaderboardAroundPlayerAsync(string leaderboardId, long userId, int radius = 5, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(leaderboardId, "Leaderboard id");
        OnlineLimits.CheckUserId(userId);
        if (radius < 0 || radius > MaxAroundRadius)
        {
            throw OnlineException.Invalid($"Radius must be 0 to {MaxAroundRadius}.");
        }
        return _database.ReadAsync<IReadOnlyList<LeaderboardEntry>>(async connection =>
        {
            var definition = await RequireDefinitionAsync(connection, leaderboardId, cancellationToken).ConfigureAwait(false);
            long period = ResolvePeriod(definition, periodStart);
            var own = await ReadEntryAsync(connection, null, definition, period, userId, cancellationToken).ConfigureAwait(false);
            if (own is null)
            {
                return [];
            }
            int offset = (int)Math.Max(0, own.Rank - 1 - radius);
            int limit = (int)(own.Rank - offset + radius);
            return await ReadPageAsync(connection, definition, period, offset, limit, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<LeaderboardEntry?> GetRankAsync(string leaderboardId, long userId, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(leaderboardId, "Leaderboard id");
        OnlineLimits.CheckUserId(userId);
        return _database.ReadAsync(async connection =>
        {
            var definition = await RequireDefinitionAsync(connection, leaderboardId, cancellationToken).ConfigureAwait(false);
            return await ReadEntryAsync(connection, null, definition, ResolvePeriod(definition, periodStart), userId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<DateTimeOffset>> GetPeriodsAsync(string leaderboardId, int limit = 10, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(leaderboardId, "Leaderboard id");
        OnlineLimits.CheckPage(0, limit);
        return _database.ReadAsync<IReadOnlyList<DateTimeOffset>>(async connection =>
        {
            await RequireDefinitionAsync(connection, leaderboardId, cancellationToken).ConfigureAwait(false);
            return await connection.QueryAsync(null,
                "SELECT DISTINCT period_start FROM leaderboard_records WHERE leaderboard_id = @b ORDER BY period_start DESC LIMIT @n",
                reader => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), cancellationToken, ("@b", leaderboardId), ("@n", (long)limit)).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>The start (Unix ms) of the period a submission at <paramref name="now"/> counts in.</summary>
    internal static long CurrentPeriod(LeaderboardDefinition definition, DateTimeOffset now) =>
        definition.ResetSchedule is null ? 0 : CronSchedule.Parse(definition.ResetSchedule).GetPreviousOccurrence(now).ToUnixTimeMilliseconds();

    /// <summary>The period a read asks for; a time that is not the start of one of the board's periods is an invalid argument, not an empty page.</summary>
    private long ResolvePeriod(LeaderboardDefinition definition, DateTimeOffset? periodStart)
    {
        if (periodStart is not { } start)
        {
            return CurrentPeriod(definition, _time.GetUtcNow());
        }
        bool isPeriodStart = definition.ResetSchedule is null
            ? start.ToUnixTimeMilliseconds() == 0
            : CronSchedule.Parse(definition.ResetSchedule).TryGetPreviousOccurrence(start) == start;
        if (!isPeriodStart)
        {
            throw OnlineException.Invalid(definition.ResetSchedule is null
                ? $"Leaderboard '{definition.Id}' never resets; its only period starts at 0 (omit period for it)."
                : $"{start.ToUnixTimeSeconds()} is not the start of a period of leaderboard '{definition.Id}' (reset schedule '{definition.ResetSchedule}').");
        }
        return start.ToUnixTimeMilliseconds();
    }

    private async Task<bool> ApplyAsync(DbConnection connection, DbTransaction transaction, LeaderboardDefinition definition, long period,
        ScoreSubmission submission, long nowMs, CancellationToken cancellationToken)
    {
        (string, object?)[] key = [("@b", definition.Id), ("@p", period), ("@u", submission.UserId)];
        long? current = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT score FROM leaderboard_records WHERE leaderboard_id = @b AND period_start = @p AND user_id = @u" + _database.ForUpdate,
            reader => (long?)reader.GetInt64(0), cancellationToken, key).ConfigureAwait(false);
        if (current is null)
        {
            var (initial, _) = LeaderboardScoring.Apply(definition, null, submission.Score);
            int inserted = await connection.ExecuteAsync(transaction,
                "INSERT INTO leaderboard_records (leaderboard_id, period_start, user_id, score, metadata, updated_at) VALUES (@b, @p, @u, @s, @m, @t) " +
                "ON CONFLICT (leaderboard_id, period_start, user_id) DO NOTHING",
                cancellationToken, [.. key, ("@s", initial), ("@m", submission.Metadata), ("@t", nowMs)]).ConfigureAwait(false);
            if (inserted == 1)
            {
                return true;
            }
            // Another transaction created the record between our read and insert (PostgreSQL only); lock it and combine.
            current = await connection.QuerySingleOrDefaultAsync(transaction,
                "SELECT score FROM leaderboard_records WHERE leaderboard_id = @b AND period_start = @p AND user_id = @u" + _database.ForUpdate,
                reader => (long?)reader.GetInt64(0), cancellationToken, key).ConfigureAwait(false);
        }
        var (score, changed) = LeaderboardScoring.Apply(definition, current, submission.Score);
        if (changed)
        {
            await connection.ExecuteAsync(transaction,
                "UPDATE leaderboard_records SET score = @s, metadata = @m, updated_at = @t WHERE leaderboard_id = @b AND period_start = @p AND user_id = @u",
                cancellationToken, [.. key, ("@s", score), ("@m", submission.Metadata), ("@t", nowMs)]).ConfigureAwait(false);
        }
        return changed;
    }

    private async Task<LeaderboardEntry?> ReadEntryAsync(DbConnection connection, DbTransaction? transaction, LeaderboardDefinition definition, long period, long userId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT r.user_id, u.username, r.score, r.metadata, r.updated_at FROM leaderboard_records r LEFT JOIN users u ON u.id = r.user_id " +
            "WHERE r.leaderboard_id = @b AND r.period_start = @p AND r.user_id = @u",
            reader => (RecordRow?)ReadRow(reader), cancellationToken, ("@b", definition.Id), ("@p", period), ("@u", userId)).ConfigureAwait(false);
        if (row is not { } record)
        {
            return null;
        }
        string better = definition.SortOrder == LeaderboardSortOrder.Descending ? ">" : "<";
        long ahead = await connection.ScalarAsync<long>(transaction,
            $"SELECT COUNT(*) FROM leaderboard_records WHERE leaderboard_id = @b AND period_start = @p AND " +
            $"(score {better} @s OR (score = @s AND (updated_at < @t OR (updated_at = @t AND user_id < @u))))",
            cancellationToken, ("@b", definition.Id), ("@p", period), ("@s", record.Score), ("@t", record.UpdatedAt), ("@u", userId)).ConfigureAwait(false);
        return record.ToEntry(ahead + 1);
    }

    private static async Task<IReadOnlyList<LeaderboardEntry>> ReadPageAsync(DbConnection connection, LeaderboardDefinition definition, long period, int offset, int limit, CancellationToken cancellationToken)
    {
        string direction = definition.SortOrder == LeaderboardSortOrder.Descending ? "DESC" : "ASC";
        var rows = await connection.QueryAsync(null,
            "SELECT r.user_id, u.username, r.score, r.metadata, r.updated_at FROM leaderboard_records r LEFT JOIN users u ON u.id = r.user_id " +
            $"WHERE r.leaderboard_id = @b AND r.period_start = @p ORDER BY r.score {direction}, r.updated_at ASC, r.user_id ASC LIMIT @n OFFSET @o",
            ReadRow, cancellationToken, ("@b", definition.Id), ("@p", period), ("@n", (long)limit), ("@o", (long)offset)).ConfigureAwait(false);
        var entries = new LeaderboardEntry[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            entries[i] = rows[i].ToEntry(offset + i + 1);
        }
        return entries;
    }

    private static RecordRow ReadRow(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetNullableString(1), reader.GetInt64(2), reader.GetNullableString(3), reader.GetInt64(4));

    private async Task<LeaderboardDefinition> RequireDefinitionAsync(DbConnection connection, string leaderboardId, CancellationToken cancellationToken) =>
        await LoadDefinitionAsync(connection, null, leaderboardId, cancellationToken).ConfigureAwait(false)
        ?? throw OnlineException.NotFound($"No leaderboard '{leaderboardId}'.");

    private static Task<LeaderboardDefinition?> LoadDefinitionAsync(DbConnection connection, DbTransaction? transaction, string leaderboardId, CancellationToken cancellationToken, string forUpdate = "") =>
        connection.QuerySingleOrDefaultAsync(transaction, SelectDefinition + forUpdate, reader => new LeaderboardDefinition(
            reader.GetString(0), (LeaderboardSortOrder)reader.GetInt64(1), (LeaderboardOperator)reader.GetInt64(2), reader.GetNullableString(3),
            reader.GetInt64(4) != 0, reader.GetInt64(5), reader.GetInt64(6), reader.GetNullableInt64(7)), cancellationToken, ("@b", leaderboardId));

    private readonly record struct RecordRow(long UserId, string? Username, long Score, string? Metadata, long UpdatedAt)
    {
        public LeaderboardEntry ToEntry(long rank) => new(UserId, Username, Score, rank, Metadata, DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt));
    }
}
