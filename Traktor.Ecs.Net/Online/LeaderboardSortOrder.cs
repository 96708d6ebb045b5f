namespace Traktor.Ecs.Net.Online;

/// <summary>Which scores rank first on a leaderboard.</summary>
public enum LeaderboardSortOrder
{
    /// <summary>Higher scores rank first (points).</summary>
    Descending,

    /// <summary>Lower scores rank first (lap times).</summary>
    Ascending,
}
