using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="ICloudSave"/> over the online backend's HTTP API.</summary>
/// <remarks>
/// Expected versions travel as HTTP preconditions: an exact version as <c>If-Match: "version"</c>, "only if absent"
/// as <c>If-None-Match: *</c>, and "last write wins" as no precondition. A failed precondition is
/// <see cref="OnlineError.VersionConflict"/> (412).
/// </remarks>
public sealed class HttpCloudSave : ICloudSave
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpCloudSave(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public async Task<CloudSaveEntry> PutAsync(long userId, string slot, ReadOnlyMemory<byte> data, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default)
    {
        var precondition = Precondition(expectedVersion, allowIfAbsent: true);
        using var content = JsonContent.Create(new CloudSavePutBody(data.ToArray(), null), OnlineJsonContext.Default.CloudSavePutBody);
        using var response = await _client.SendForResponseAsync(HttpMethod.Put, SlotPath(userId, slot), content, precondition, cancellationToken).ConfigureAwait(false);
        return await OnlineBackendClient.ReadAsync(response, OnlineJsonContext.Default.CloudSaveEntry, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<CloudSaveObject?> GetAsync(long userId, string slot, CancellationToken cancellationToken = default) =>
        _client.GetOrNullAsync(SlotPath(userId, slot), OnlineJsonContext.Default.CloudSaveObject, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(long userId, string slot, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default)
    {
        var precondition = Precondition(expectedVersion, allowIfAbsent: false);
        using var response = await _client.SendForResponseAsync(HttpMethod.Delete, SlotPath(userId, slot), null, precondition, cancellationToken).ConfigureAwait(false);
        var result = await OnlineBackendClient.ReadAsync(response, OnlineJsonContext.Default.CloudSaveDeleteResult, cancellationToken).ConfigureAwait(false);
        return result.Deleted;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CloudSaveEntry>> ListAsync(long userId, CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get, $"v1/users/{userId}/saves", OnlineJsonContext.Default.CloudSaveList, cancellationToken).ConfigureAwait(false);
        return list.Slots;
    }

    private static string SlotPath(long userId, string slot) => $"v1/users/{userId}/saves/{OnlineBackendClient.Segment(slot, "Slot")}";

    /// <summary>The request headers that express an expected version, checked before anything is sent.</summary>
    private static Action<HttpRequestMessage>? Precondition(string expectedVersion, bool allowIfAbsent)
    {
        switch (expectedVersion)
        {
            case null:
                throw OnlineException.Invalid("Expected version must be \"\", \"*\" or a version.");
            case CloudSaveVersion.Any:
                return null;
            case CloudSaveVersion.IfAbsent:
                if (!allowIfAbsent)
                {
                    throw OnlineException.Invalid("\"*\" (only if absent) makes no sense for a delete; use \"\" or an exact version.");
                }
                return request => request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
            default:
                // An entity tag holds printable ASCII except '"' (RFC 9110 etagc); versions the backend hands out are hex.
                if (expectedVersion.Length > 64 || expectedVersion.Any(c => c is < '!' or > '~' or '"'))
                {
                    throw OnlineException.Invalid("Expected version must be \"\", \"*\" or a version the backend handed out.");
                }
                var tag = new EntityTagHeaderValue("\"" + expectedVersion + "\"");
                return request => request.Headers.IfMatch.Add(tag);
        }
    }
}
