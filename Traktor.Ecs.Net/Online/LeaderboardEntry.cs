namespace Traktor.Ecs.Net.Online;

/// <summary>A player's record on a leaderboard in one period.</summary>
/// <param name="UserId">The player.</param>
/// <param name="Username">The player's username, or null if the id belongs to no registered account.</param>
/// <param name="Score">The record's score.</param>
/// <param name="Rank">1-based rank in the period; ties go to whoever reached the score first.</param>
/// <param name="Metadata">The metadata stored with the record, verbatim.</param>
/// <param name="UpdatedAt">When the score last changed.</param>
public sealed record LeaderboardEntry(
    long UserId,
    string? Username,
    long Score,
    long Rank,
    string? Metadata,
    DateTimeOffset UpdatedAt);
