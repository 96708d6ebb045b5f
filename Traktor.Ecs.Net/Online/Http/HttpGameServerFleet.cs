using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="IGameServerFleet"/> over the online backend's HTTP API; the connection needs a server key.</summary>
public sealed class HttpGameServerFleet : IGameServerFleet
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection that carries a server key.</summary>
    /// <param name="client">The game server's backend connection.</param>
    public HttpGameServerFleet(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public async Task<GameServerLease> RegisterServerAsync(GameServerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var lease = await _client.SendAsync(HttpMethod.Post, "v1/fleet/servers", registration,
            SessionJsonContext.Default.GameServerRegistration, SessionJsonContext.Default.GameServerLeaseBody, cancellationToken).ConfigureAwait(false);
        return new GameServerLease(lease.ServerId, TimeSpan.FromMilliseconds(lease.HeartbeatIntervalMs), TimeSpan.FromMilliseconds(lease.DeadAfterMs));
    }

    /// <inheritdoc/>
    public Task<FleetAssignments> HeartbeatAsync(string serverId, GameServerHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        return _client.SendAsync(HttpMethod.Post, $"v1/fleet/servers/{OnlineBackendClient.Segment(serverId, "Server id")}/heartbeat", heartbeat,
            SessionJsonContext.Default.GameServerHeartbeat, SessionJsonContext.Default.FleetAssignments, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<bool> DeregisterServerAsync(string serverId, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Delete, $"v1/fleet/servers/{OnlineBackendClient.Segment(serverId, "Server id")}",
            SessionJsonContext.Default.GameServerDeregisterResult, cancellationToken).ConfigureAwait(false);
        return result.Deregistered;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GameServerStatus>> ListServersAsync(CancellationToken cancellationToken = default)
    {
        var list = await _client.SendAsync(HttpMethod.Get, "v1/fleet/servers", SessionJsonContext.Default.GameServerList, cancellationToken).ConfigureAwait(false);
        return list.Servers;
    }
}
