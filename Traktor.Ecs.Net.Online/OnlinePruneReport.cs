namespace Traktor.Ecs.Net.Online;

/// <summary>What one <see cref="OnlineMaintenance.PruneAsync"/> run deleted.</summary>
/// <param name="RefreshTokens">Expired refresh tokens.</param>
/// <param name="Sessions">Sessions with no refresh token left.</param>
/// <param name="LoginCounters">Stale login-failure counters.</param>
/// <param name="IdempotencyKeys">Idempotency keys (scores and achievement progress) past their retention.</param>
/// <param name="RateLimits">Shared rate-limit rows whose limit has fully recovered.</param>
public sealed record OnlinePruneReport(int RefreshTokens, int Sessions, int LoginCounters, int IdempotencyKeys, int RateLimits = 0);
