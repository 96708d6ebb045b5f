namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Achievements with progress thresholds, hidden and server-only flags.
/// A resource in the world's service locator (<c>world.Resources</c>).
/// </summary>
public interface IAchievements
{
    /// <summary>Creates an achievement or replaces its definition. Over HTTP this needs a server key.</summary>
    /// <param name="definition">The definition.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task DefineAchievementAsync(AchievementDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Unlocks an achievement for a player (its progress jumps to the threshold). Unlocking twice is harmless.</summary>
    /// <param name="achievementId">The achievement.</param>
    /// <param name="userId">The player.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="OnlineException"><see cref="OnlineError.NotFound"/> for an unknown achievement.</exception>
    Task<AchievementUpdate> UnlockAchievementAsync(string achievementId, long userId, CancellationToken cancellationToken = default);

    /// <summary>Adds progress; the achievement unlocks when progress reaches the threshold. Progress stops at the threshold.</summary>
    /// <param name="achievementId">The achievement.</param>
    /// <param name="userId">The player.</param>
    /// <param name="amount">Progress to add, 1 or more.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds progress at most once per idempotency key: a retry with the same key and amount changes nothing and answers
    /// <see cref="AchievementUpdate.Replayed"/>; the same key with a different amount is refused.
    /// </summary>
    /// <param name="achievementId">The achievement.</param>
    /// <param name="userId">The player.</param>
    /// <param name="amount">Progress to add, 1 or more.</param>
    /// <param name="idempotencyKey">A key unique to this piece of progress (for example a match id), up to 128 characters; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="OnlineException"><see cref="OnlineError.Conflict"/> (problem type <see cref="OnlineProblemTypes.IdempotencyKeyReused"/>) when the key was used with another amount.</exception>
    Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Lists every defined achievement with the player's progress, ordered by id.</summary>
    /// <param name="userId">The player.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<AchievementStatus>> GetAchievementsAsync(long userId, CancellationToken cancellationToken = default);
}
