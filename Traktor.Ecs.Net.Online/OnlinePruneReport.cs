namespace Traktor.Ecs.Net.Online;

/// <summary>What one <see cref="OnlineMaintenance.PruneAsync"/> run deleted.</summary>
/// <param name="RefreshTokens">Expired refresh tokens.</param>
/// <param name="Sessions">Sessions with no refresh token left.</param>
/// <param name="LoginCounters">Stale login-failure counters.</param>
/// <param name="IdempotencyKeys">Idempotency keys past their retention.</param>
public sealed record OnlinePruneReport(int RefreshTokens, int Sessions, int LoginCounters, int IdempotencyKeys);
