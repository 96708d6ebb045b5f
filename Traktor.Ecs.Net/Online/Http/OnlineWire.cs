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
/// <param name="IdempotencyKey">Optional replay key for progress.</param>
public sealed record AchievementProgressBody(long UserId, long Amount, string? IdempotencyKey = null);

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

/// <summary>
/// The body of every error answer: RFC 9457 problem details (<c>application/problem+json</c>) with the
/// error's wire code and, when there is one, the wait before a retry as extension members.
/// </summary>
/// <param name="Type">The problem type, one of <see cref="OnlineProblemTypes"/>.</param>
/// <param name="Title">A fixed summary of the type.</param>
/// <param name="Status">The HTTP status code, repeated for readers of the body alone.</param>
/// <param name="Detail">What went wrong in this occurrence, for people (never secrets or type names).</param>
/// <param name="Instance">The request path the problem occurred on.</param>
/// <param name="Code">The error's wire code (see <see cref="OnlineErrorCodes"/>), which clients map to <see cref="OnlineError"/>.</param>
/// <param name="RetryAfterSeconds">For 429 and 503: seconds to wait before retrying (also in the <c>Retry-After</c> header).</param>
public sealed record ProblemBody(string Type, string Title, int Status, string? Detail, string? Instance, string Code,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? RetryAfterSeconds = null);
