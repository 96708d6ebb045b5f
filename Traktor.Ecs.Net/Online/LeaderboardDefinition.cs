namespace Traktor.Ecs.Net.Online;

/// <summary>How a leaderboard ranks, combines, bounds and resets scores.</summary>
/// <param name="Id">The board's id: 1 to 64 ASCII letters, digits, '_', '-' or '.'.</param>
/// <param name="SortOrder">Which scores rank first.</param>
/// <param name="Operator">How a submission combines with the current record.</param>
/// <param name="ResetSchedule">A 5-field cron expression in UTC ("0 0 * * 1" = every Monday at midnight) that starts a new period, or null for a board that never resets.</param>
/// <param name="Authoritative">When true only trusted callers (game servers with a server key, or in-process code) may submit.</param>
/// <param name="MinScore">The lowest score a record may hold.</param>
/// <param name="MaxScore">The highest score a record may hold.</param>
/// <param name="MaxChangePerSubmission">The largest change one submission may make to an existing record (for increment and decrement: the largest amount), or null for no limit.</param>
public sealed record LeaderboardDefinition(
    string Id,
    LeaderboardSortOrder SortOrder = LeaderboardSortOrder.Descending,
    LeaderboardOperator Operator = LeaderboardOperator.Best,
    string? ResetSchedule = null,
    bool Authoritative = false,
    long MinScore = long.MinValue,
    long MaxScore = long.MaxValue,
    long? MaxChangePerSubmission = null);
