namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="ICloudSave"/> over the online backend's HTTP API.</summary>
public sealed class HttpCloudSave : ICloudSave
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpCloudSave(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public Task<CloudSaveEntry> PutAsync(long userId, string slot, ReadOnlyMemory<byte> data, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Put, SlotPath(userId, slot), new CloudSavePutBody(data.ToArray(), expectedVersion),
            OnlineJsonContext.Default.CloudSavePutBody, OnlineJsonContext.Default.CloudSaveEntry, cancellationToken);

    /// <inheritdoc/>
    public Task<CloudSaveObject?> GetAsync(long userId, string slot, CancellationToken cancellationToken = default) =>
        _client.GetOrNullAsync(SlotPath(userId, slot), OnlineJsonContext.Default.CloudSaveObject, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(long userId, string slot, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Delete, $"{SlotPath(userId, slot)}?expectedVersion={Uri.EscapeDataString(expectedVersion ?? string.Empty)}",
            OnlineJsonContext.Default.CloudSaveDeleteResult, cancellationToken).ConfigureAwait(false);
        return result.Deleted;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CloudSaveEntry>> ListAsync(long userId, CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get, $"v1/users/{userId}/saves", OnlineJsonContext.Default.CloudSaveList, cancellationToken).ConfigureAwait(false);
        return list.Slots;
    }

    private static string SlotPath(long userId, string slot) => $"v1/users/{userId}/saves/{OnlineBackendClient.Segment(slot, "Slot")}";
}
