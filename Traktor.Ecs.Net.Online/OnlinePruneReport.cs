namespace Traktor.Ecs.Net.Online;

/// <summary>What one <see cref="OnlineMaintenance.PruneAsync"/> run deleted.</summary>
/// <param name="RefreshTokens">Expired refresh-token rows of sessions opened before a session kept its refresh token itself (none for newer sessions).</param>
/// <param name="Sessions">Sessions whose refresh token expired.</param>
/// <param name="LoginCounters">Stale login-failure counters.</param>
/// <param name="IdempotencyKeys">Idempotency keys (scores and achievement progress) past their retention, or of scores in leaderboard periods no longer kept.</param>
/// <param name="RateLimits">Shared rate-limit rows whose limit has fully recovered.</param>
/// <param name="LeaderboardRecords">Records of resetting leaderboards' periods older than <see cref="OnlineMaintenance.LeaderboardPastPeriodsKept"/>.</param>
public sealed record OnlinePruneReport(int RefreshTokens, int Sessions, int LoginCounters, int IdempotencyKeys, int RateLimits = 0, int LeaderboardRecords = 0);
