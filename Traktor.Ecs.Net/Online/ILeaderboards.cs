namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Leaderboards with sort order, operators, bounds, cron reset schedules and idempotent submissions.
/// A resource in the world's service locator (<c>world.Resources</c>).
/// </summary>
/// <remarks>
/// A board with a reset schedule keeps one set of records per period; a period starts at each cron
/// occurrence. Every read takes an optional period start (from <see cref="GetPeriodsAsync"/>); null means the current period.
/// </remarks>
public interface ILeaderboards
{
    /// <summary>Creates a leaderboard or replaces its definition. Over HTTP this needs a server key.</summary>
    /// <param name="definition">The definition; the reset schedule must parse as 5-field cron.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task DefineLeaderboardAsync(LeaderboardDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Reads a leaderboard's definition.</summary>
    /// <param name="leaderboardId">The board.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The definition, or null if there is no such board.</returns>
    Task<LeaderboardDefinition?> GetLeaderboardDefinitionAsync(string leaderboardId, CancellationToken cancellationToken = default);

    /// <summary>Submits a score to the current period.</summary>
    /// <param name="submission">The score; a repeated idempotency key counts once.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The player's record afterwards.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.NotFound"/> for an unknown board; <see cref="OnlineError.InvalidArgument"/> when the score breaks the board's bounds.</exception>
    Task<ScoreSubmissionResult> SubmitScoreAsync(ScoreSubmission submission, CancellationToken cancellationToken = default);

    /// <summary>Reads a page of the board, best first.</summary>
    /// <param name="leaderboardId">The board.</param>
    /// <param name="offset">Entries to skip.</param>
    /// <param name="limit">Entries to return, 1 to 100.</param>
    /// <param name="periodStart">A past period's start, or null for the current period.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LeaderboardPage> GetLeaderboardAsync(string leaderboardId, int offset = 0, int limit = 10, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the entries around a player: up to <paramref name="radius"/> above and below, and the player's own.</summary>
    /// <param name="leaderboardId">The board.</param>
    /// <param name="userId">The player at the centre.</param>
    /// <param name="radius">Entries on each side, 0 to 50.</param>
    /// <param name="periodStart">A past period's start, or null for the current period.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entries in rank order; empty if the player has no record.</returns>
    Task<IReadOnlyList<LeaderboardEntry>> GetLeaderboardAroundPlayerAsync(string leaderboardId, long userId, int radius = 5, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a player's record and rank.</summary>
    /// <param name="leaderboardId">The board.</param>
    /// <param name="userId">The player.</param>
    /// <param name="periodStart">A past period's start, or null for the current period.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The record, or null if the player has none in that period.</returns>
    Task<LeaderboardEntry?> GetRankAsync(string leaderboardId, long userId, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the starts of the periods that hold records, newest first.</summary>
    /// <param name="leaderboardId">The board.</param>
    /// <param name="limit">Periods to return, 1 to 100.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<DateTimeOffset>> GetPeriodsAsync(string leaderboardId, int limit = 10, CancellationToken cancellationToken = default);
}
