namespace Traktor.Ecs.Net.Online;

/// <summary>What an unlock or progress call did.</summary>
/// <param name="Status">The achievement's state for the player afterwards.</param>
/// <param name="NewlyUnlocked">True only for the call that unlocked it, so a game shows the toast once.</param>
/// <param name="Replayed">True when the call repeated an idempotency key already applied: nothing changed, and <paramref name="Status"/> is the current state.</param>
public sealed record AchievementUpdate(AchievementStatus Status, bool NewlyUnlocked, bool Replayed = false);
