using System.Globalization;
using System.Net;
using System.Text;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// <see cref="ISessions"/> over the online backend's HTTP API (the session directory). As a player (bearer token) a
/// caller may join, quick-join and leave only as itself; a game server (server key) may act for any player.
/// </summary>
public sealed class HttpSessions : ISessions, IPlayerHostedSessions
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpSessions(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return _client.SendAsync(HttpMethod.Post, "v1/sessions", options, SessionJsonContext.Default.SessionOptions, SessionJsonContext.Default.SessionInfo, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default)
    {
        SessionLimits.CheckPage(offset, limit);
        filter?.Validate();
        var query = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"v1/sessions?offset={offset}&limit={limit}"));
        if (filter?.NameContains is { Length: > 0 } name)
        {
            query.Append("&name=").Append(Uri.EscapeDataString(name));
        }

        if (filter?.OnlyWithFreeSlots == true)
        {
            query.Append("&freeSlots=true");
        }

        foreach (var (key, value) in filter?.Properties ?? new Dictionary<string, string>())
        {
            query.Append("&property=").Append(Uri.EscapeDataString(key + ":" + value));
        }

        return _client.SendAsync(HttpMethod.Get, query.ToString(), SessionJsonContext.Default.SessionPage, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        _client.GetOrNullAsync($"v1/sessions/{id}", SessionJsonContext.Default.SessionInfo, cancellationToken);

    /// <inheritdoc/>
    public async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        var body = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/join", new SessionUserBody(userId),
            SessionJsonContext.Default.SessionUserBody, SessionJsonContext.Default.SessionJoinBody, cancellationToken).ConfigureAwait(false);
        return ToResult(body);
    }

    /// <summary>Joins as <see cref="JoinSessionAsync(SessionId, long, CancellationToken)"/> does: the backend names the player after its account, so <paramref name="playerName"/> is not sent.</summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="playerName">Ignored (the account's name is used).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status and, on success, the session and the connect info.</returns>
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
        JoinSessionAsync(id, userId, cancellationToken);

    /// <summary>Quick-joins as <see cref="QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/> does: the backend names the player after its account, so <paramref name="playerName"/> is not sent.</summary>
    /// <param name="userId">The player.</param>
    /// <param name="playerName">Ignored (the account's name is used).</param>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">The session to create when none qualifies.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The join.</returns>
    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

    /// <inheritdoc/>
    public async Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createIfNone);
        filter?.Validate();
        createIfNone.Validate();
        var body = await _client.SendAsync(HttpMethod.Post, "v1/sessions/quick-join", new QuickJoinBody(userId, filter, createIfNone),
            SessionJsonContext.Default.QuickJoinBody, SessionJsonContext.Default.SessionJoinBody, cancellationToken).ConfigureAwait(false);
        return ToResult(body);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Sends <c>reason: "Left"</c> whichever credentials this client holds: the route's default for the game servers' key
    /// (<see cref="SessionLeaveReason.Removed"/>) applies only to a body without a reason, which this client never sends. A
    /// game server or admin tool removing a player calls
    /// <see cref="LeaveSessionAsync(SessionId, long, SessionLeaveReason, CancellationToken)"/> with
    /// <see cref="SessionLeaveReason.Removed"/>.
    /// </remarks>
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        LeaveSessionAsync(id, userId, SessionLeaveReason.Left, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/leave", new SessionLeaveBody(userId, reason),
            SessionJsonContext.Default.SessionLeaveBody, SessionJsonContext.Default.SessionLeaveResult, cancellationToken).ConfigureAwait(false);
        return result.Left;
    }

    /// <inheritdoc/>
    public async Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/leave", new SessionLeaveBody(userId, reason, seatGrantedAt),
            SessionJsonContext.Default.SessionLeaveBody, SessionJsonContext.Default.SessionLeaveResult, cancellationToken).ConfigureAwait(false);
        return result.Left;
    }

    /// <inheritdoc/>
    public async Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/end", SessionJsonContext.Default.SessionEndResult, cancellationToken).ConfigureAwait(false);
        return result.Ended;
    }

    /// <inheritdoc/>
    public async Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var body = await _client.SendAsync(HttpMethod.Post, "v1/sessions/player-hosted", new PlayerHostedSessionBody(hostUserId, options),
            SessionJsonContext.Default.PlayerHostedSessionBody, SessionJsonContext.Default.PlayerHostGrantBody, cancellationToken).ConfigureAwait(false);
        return ToGrant(body);
    }

    /// <inheritdoc/>
    public async Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(connectedPlayers);
        var body = new HostHeartbeatBody(hostUserId, addresses.Select(a => a.ToString()).ToArray(), connectedPlayers.ToArray());
        var result = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/host-heartbeat", body,
            SessionJsonContext.Default.HostHeartbeatBody, SessionJsonContext.Default.HostHeartbeatResult, cancellationToken).ConfigureAwait(false);
        return new PlayerHostHeartbeat(result.Live, result.Departures ?? []); // a backend from before departures sends none
    }

    /// <inheritdoc/>
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
        ClaimAsync(id, new ClaimHostBody(userId, hostKey ?? throw new ArgumentNullException(nameof(hostKey))), cancellationToken);

    /// <inheritdoc/>
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
        ClaimAsync(id, new ClaimHostBody(userId, hostKey ?? throw new ArgumentNullException(nameof(hostKey)), expectedHostUserId), cancellationToken);

    private async Task<PlayerHostGrant> ClaimAsync(SessionId id, ClaimHostBody claim, CancellationToken cancellationToken)
    {
        var body = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/claim-host", claim,
            SessionJsonContext.Default.ClaimHostBody, SessionJsonContext.Default.PlayerHostGrantBody, cancellationToken).ConfigureAwait(false);
        return ToGrant(body);
    }

    /// <inheritdoc/>
    public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/host-lost", new SessionUserBody(userId), SessionJsonContext.Default.SessionUserBody, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Post, $"v1/sessions/{id}/release-host", new SessionUserBody(userId),
            SessionJsonContext.Default.SessionUserBody, SessionJsonContext.Default.ReleaseHostResult, cancellationToken).ConfigureAwait(false);
        return result.Released;
    }

    /// <summary>Turns the wire answer of a player-hosted create or claim into the grant (a key that is not 32 bytes is the backend's fault).</summary>
    private static PlayerHostGrant ToGrant(PlayerHostGrantBody body) => body.SessionKey is { Length: 32 }
        ? new PlayerHostGrant(body.Session, body.SessionKey, body.Rendezvous) { PunchKey = body.PunchKey is { Length: 32 } key ? key : null }
        : throw new OnlineException(OnlineError.Unavailable, "The online backend sent a malformed session key.");

    /// <summary>Turns the wire answer of a join into the service's result (addresses parsed; a malformed one is the backend's fault).</summary>
    /// <param name="body">The answer.</param>
    /// <returns>The result.</returns>
    internal static SessionJoinResult ToResult(SessionJoinBody body)
    {
        SessionConnectInfo? connect = null;
        if (body.Connect is { } wire)
        {
            var addresses = new List<NetAddress>(wire.ServerAddresses.Count);
            foreach (string text in wire.ServerAddresses)
            {
                addresses.Add(NetAddress.TryParse(text, out var address)
                    ? address
                    : throw new OnlineException(OnlineError.Unavailable, "The online backend sent a malformed game-server address."));
            }

            connect = new SessionConnectInfo(wire.SessionId, wire.ConnectToken, addresses, wire.ExpiresAt) { Rendezvous = wire.Rendezvous, PunchKey = wire.PunchKey is { Length: 32 } key ? key : null };
        }

        return new SessionJoinResult(body.Status, body.Session, connect);
    }
}
