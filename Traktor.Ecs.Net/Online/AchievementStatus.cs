namespace Traktor.Ecs.Net.Online;

/// <summary>One achievement as a player sees it.</summary>
/// <param name="Id">The achievement.</param>
/// <param name="Name">Its display name (empty when hidden and not yet unlocked, for player callers).</param>
/// <param name="Description">Its description (empty when hidden and not yet unlocked, for player callers).</param>
/// <param name="Hidden">Whether it is a hidden achievement.</param>
/// <param name="ServerOnly">Whether only trusted callers may progress it.</param>
/// <param name="Progress">The player's progress, 0 to <paramref name="Threshold"/>.</param>
/// <param name="Threshold">Progress needed to unlock.</param>
/// <param name="UnlockedAt">When the player unlocked it, or null if still locked.</param>
public sealed record AchievementStatus(
    string Id,
    string Name,
    string Description,
    bool Hidden,
    bool ServerOnly,
    long Progress,
    long Threshold,
    DateTimeOffset? UnlockedAt)
{
    /// <summary>Whether the player has unlocked it.</summary>
    public bool Unlocked => UnlockedAt is not null;
}
