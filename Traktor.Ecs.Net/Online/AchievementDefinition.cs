namespace Traktor.Ecs.Net.Online;

/// <summary>An achievement players can unlock.</summary>
/// <param name="Id">The achievement's id: 1 to 64 ASCII letters, digits, '_', '-' or '.'.</param>
/// <param name="Name">The display name (up to 512 characters), stored verbatim.</param>
/// <param name="Description">The display description (up to 512 characters), stored verbatim.</param>
/// <param name="Threshold">Progress needed to unlock (1 or more); 1 means a plain unlock.</param>
/// <param name="Hidden">When true players do not see the name and description until they unlock it.</param>
/// <param name="ServerOnly">When true only trusted callers (game servers with a server key, or in-process code) may unlock it or add progress.</param>
public sealed record AchievementDefinition(
    string Id,
    string Name,
    string Description = "",
    long Threshold = 1,
    bool Hidden = false,
    bool ServerOnly = false);
