namespace Traktor.Ecs.Net.Online;

/// <summary>Body of <c>POST /v1/auth/register</c> and <c>POST /v1/auth/login</c>.</summary>
/// <param name="Username">The username.</param>
/// <param name="Password">The password.</param>
public sealed record CredentialsBody(string Username, string Password);

/// <summary>Body of <c>POST /v1/auth/refresh</c>.</summary>
/// <param name="RefreshToken">The latest refresh token.</param>
public sealed record RefreshBody(string RefreshToken);

/// <summary>Body of <c>POST /v1/leaderboards/{id}/scores</c>.</summary>
/// <param name="UserId">The player.</param>
/// <param name="Score">The score or amount.</param>
/// <param name="IdempotencyKey">Optional replay key.</param>
/// <param name="Metadata">Optional metadata.</param>
public sealed record ScoreBody(long UserId, long Score, string? IdempotencyKey, string? Metadata);

/// <summary>Body of <c>POST /v1/achievements/{id}/unlock</c> and <c>/progress</c>.</summary>
/// <param name="UserId">The player.</param>
/// <param name="Amount">Progress to add (ignored by unlock).</param>
public sealed record AchievementProgressBody(long UserId, long Amount);

/// <summary>Body of <c>PUT /v1/users/{userId}/saves/{slot}</c>.</summary>
/// <param name="Data">The bytes to store (base64 in JSON).</param>
/// <param name="ExpectedVersion">"" (last write wins), "*" (only if absent) or an exact version.</param>
public sealed record CloudSavePutBody(byte[] Data, string? ExpectedVersion);

/// <summary>Answer of <c>DELETE /v1/users/{userId}/saves/{slot}</c>.</summary>
/// <param name="Deleted">Whether a slot was deleted.</param>
public sealed record CloudSaveDeleteResult(bool Deleted);

/// <summary>A list of leaderboard entries.</summary>
/// <param name="Entries">The entries in rank order.</param>
public sealed record LeaderboardEntryList(IReadOnlyList<LeaderboardEntry> Entries);

/// <summary>A list of leaderboard period starts.</summary>
/// <param name="Periods">The period starts, newest first.</param>
public sealed record LeaderboardPeriodList(IReadOnlyList<DateTimeOffset> Periods);

/// <summary>A list of achievements.</summary>
/// <param name="Achievements">The achievements, ordered by id.</param>
public sealed record AchievementList(IReadOnlyList<AchievementStatus> Achievements);

/// <summary>A list of cloud-save slots.</summary>
/// <param name="Slots">The slots, ordered by name.</param>
public sealed record CloudSaveList(IReadOnlyList<CloudSaveEntry> Slots);

/// <summary>The body of every error answer.</summary>
/// <param name="Error">The error's wire code (see <see cref="OnlineErrorCodes"/>).</param>
/// <param name="Message">A human-readable reason.</param>
/// <param name="RetryAfterSeconds">For rate limiting: seconds to wait (also in the Retry-After header).</param>
public sealed record ErrorBody(string Error, string Message, int? RetryAfterSeconds = null);
