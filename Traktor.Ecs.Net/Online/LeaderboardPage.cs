namespace Traktor.Ecs.Net.Online;

/// <summary>A page of a leaderboard, best first.</summary>
/// <param name="LeaderboardId">The board.</param>
/// <param name="PeriodStart">The start of the period the page is from.</param>
/// <param name="Entries">The entries, in rank order.</param>
/// <param name="TotalCount">How many players have a record in the period.</param>
/// <param name="NextOffset">The offset of the next page, or null if this is the last one.</param>
public sealed record LeaderboardPage(
    string LeaderboardId,
    DateTimeOffset PeriodStart,
    IReadOnlyList<LeaderboardEntry> Entries,
    long TotalCount,
    int? NextOffset);
