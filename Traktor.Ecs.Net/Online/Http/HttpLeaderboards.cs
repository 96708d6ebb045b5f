using System.Globalization;

namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="ILeaderboards"/> over the online backend's HTTP API.</summary>
public sealed class HttpLeaderboards : ILeaderboards
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpLeaderboards(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public Task DefineLeaderboardAsync(LeaderboardDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _client.SendAsync(HttpMethod.Put, $"v1/leaderboards/{OnlineBackendClient.Segment(definition.Id, "Leaderboard id")}", definition,
            OnlineJsonContext.Default.LeaderboardDefinition, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<LeaderboardDefinition?> GetLeaderboardDefinitionAsync(string leaderboardId, CancellationToken cancellationToken = default) =>
        _client.GetOrNullAsync($"v1/leaderboards/{OnlineBackendClient.Segment(leaderboardId, "Leaderboard id")}", OnlineJsonContext.Default.LeaderboardDefinition, cancellationToken,
            notFoundMeansNull: true);

    /// <inheritdoc/>
    public Task<ScoreSubmissionResult> SubmitScoreAsync(ScoreSubmission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var body = new ScoreBody(submission.UserId, submission.Score, submission.IdempotencyKey, submission.Metadata);
        return _client.SendAsync(HttpMethod.Post, $"v1/leaderboards/{OnlineBackendClient.Segment(submission.LeaderboardId, "Leaderboard id")}/scores", body,
            OnlineJsonContext.Default.ScoreBody, OnlineJsonContext.Default.ScoreSubmissionResult, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<LeaderboardPage> GetLeaderboardAsync(string leaderboardId, int offset = 0, int limit = 10, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Get,
            $"v1/leaderboards/{OnlineBackendClient.Segment(leaderboardId, "Leaderboard id")}/entries?offset={offset}&limit={limit}{PeriodQuery(periodStart, '&')}",
            OnlineJsonContext.Default.LeaderboardPage, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<LeaderboardEntry>> GetLeaderboardAroundPlayerAsync(string leaderboardId, long userId, int radius = 5, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get,
            $"v1/leaderboards/{OnlineBackendClient.Segment(leaderboardId, "Leaderboard id")}/around/{userId}?radius={radius}{PeriodQuery(periodStart, '&')}",
            OnlineJsonContext.Default.LeaderboardEntryList, cancellationToken).ConfigureAwait(false);
        return list.Entries;
    }

    /// <inheritdoc/>
    public Task<LeaderboardEntry?> GetRankAsync(string leaderboardId, long userId, DateTimeOffset? periodStart = null, CancellationToken cancellationToken = default) =>
        _client.GetOrNullAsync($"v1/leaderboards/{OnlineBackendClient.Segment(leaderboardId, "Leaderboard id")}/ranks/{userId}{PeriodQuery(periodStart, '?')}",
            OnlineJsonContext.Default.LeaderboardEntry, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DateTimeOffset>> GetPeriodsAsync(string leaderboardId, int limit = 10, CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get, $"v1/leaderboards/{OnlineBackendClient.Segment(leaderboardId, "Leaderboard id")}/periods?limit={limit}",
            OnlineJsonContext.Default.LeaderboardPeriodList, cancellationToken).ConfigureAwait(false);
        return list.Periods;
    }

    private static string PeriodQuery(DateTimeOffset? periodStart, char separator) =>
        periodStart is { } start ? $"{separator}period={start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}" : string.Empty;
}
