namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="IAchievements"/> over the online backend's HTTP API.</summary>
public sealed class HttpAchievements : IAchievements
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpAchievements(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public Task DefineAchievementAsync(AchievementDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _client.SendAsync(HttpMethod.Put, $"v1/achievements/{OnlineBackendClient.Segment(definition.Id, "Achievement id")}", definition,
            OnlineJsonContext.Default.AchievementDefinition, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AchievementUpdate> UnlockAchievementAsync(string achievementId, long userId, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Post, $"v1/achievements/{OnlineBackendClient.Segment(achievementId, "Achievement id")}/unlock", new AchievementProgressBody(userId, 0),
            OnlineJsonContext.Default.AchievementProgressBody, OnlineJsonContext.Default.AchievementUpdate, cancellationToken);

    /// <inheritdoc/>
    public Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, CancellationToken cancellationToken = default) =>
        AddAchievementProgressAsync(achievementId, userId, amount, idempotencyKey: null, cancellationToken);

    /// <inheritdoc/>
    public Task<AchievementUpdate> AddAchievementProgressAsync(string achievementId, long userId, long amount, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Post, $"v1/achievements/{OnlineBackendClient.Segment(achievementId, "Achievement id")}/progress", new AchievementProgressBody(userId, amount, idempotencyKey),
            OnlineJsonContext.Default.AchievementProgressBody, OnlineJsonContext.Default.AchievementUpdate, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AchievementStatus>> GetAchievementsAsync(long userId, CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get, $"v1/users/{userId}/achievements", OnlineJsonContext.Default.AchievementList, cancellationToken).ConfigureAwait(false);
        return list.Achievements;
    }
}
