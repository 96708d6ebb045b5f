namespace Traktor.Ecs.Net.Online;

/// <summary>One score submitted to a leaderboard.</summary>
/// <param name="LeaderboardId">The board.</param>
/// <param name="UserId">The player the score belongs to.</param>
/// <param name="Score">The score, or for increment/decrement boards the non-negative amount.</param>
/// <param name="IdempotencyKey">Optional key (up to 128 characters): a submission replayed with the same key for the same player and board counts once.</param>
/// <param name="Metadata">Optional free text stored with the record (up to 512 characters), returned verbatim.</param>
public sealed record ScoreSubmission(
    string LeaderboardId,
    long UserId,
    long Score,
    string? IdempotencyKey = null,
    string? Metadata = null);
