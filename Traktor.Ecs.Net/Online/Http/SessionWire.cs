using System.Text.Json.Serialization;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online;

/// <summary>Body of <c>POST /v1/sessions/{id}/join</c> and of the other routes that name one player.</summary>
/// <param name="UserId">The player (a player may only name itself; a game server anyone).</param>
public sealed record SessionUserBody(long UserId);

/// <summary>Body of <c>POST /v1/sessions/{id}/leave</c>.</summary>
/// <param name="UserId">The player (a player may only name itself; a game server anyone).</param>
/// <param name="Reason">Why the seat is freed: a player may only say <see cref="SessionLeaveReason.Left"/>. Absent: <see cref="SessionLeaveReason.Left"/>
/// from a player, <see cref="SessionLeaveReason.Removed"/> from a game server (what every departure meant before reasons were recorded).
/// Read strictly: a name or number that is not a reason (misspelled, undefined, <c>"2"</c>, <c>"Left,Removed"</c>) is a 400
/// <c>malformed-body</c>, never a default.</param>
/// <param name="SeatGrantedAt">Free only the seat granted then (a ticket's <see cref="SessionTicket.IssuedAt"/>, to the millisecond), as
/// <see cref="ISessions.LeaveSessionAsync(SessionId, long, SessionLeaveReason, DateTimeOffset, CancellationToken)"/> does; absent (or null): whichever seat the player holds.</param>
public sealed record SessionLeaveBody(
    long UserId,
    [property: JsonConverter(typeof(StrictSessionLeaveReasonJsonConverter))] SessionLeaveReason? Reason = null,
    DateTimeOffset? SeatGrantedAt = null);

/// <summary>Body of <c>POST /v1/sessions/quick-join</c>.</summary>
/// <param name="UserId">The player.</param>
/// <param name="Filter">Which sessions qualify, or null for any.</param>
/// <param name="Create">The session to create when none qualifies.</param>
public sealed record QuickJoinBody(long UserId, SessionFilter? Filter, SessionOptions Create);

/// <summary>Answer of the join routes: the status always, the session and the connect info when they apply.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Session">The session after the join, or null when not found.</param>
/// <param name="Connect">How to reach its game server, on success.</param>
public sealed record SessionJoinBody(SessionJoinStatus Status, SessionInfo? Session, SessionConnectBody? Connect);

/// <summary>The connect info of a join on the wire (addresses as "host:port" text).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ConnectToken">The connect token (base64 in JSON).</param>
/// <param name="ServerAddresses">The game server's addresses.</param>
/// <param name="ExpiresAt">The token's expiry.</param>
public sealed record SessionConnectBody(SessionId SessionId, byte[] ConnectToken, IReadOnlyList<string> ServerAddresses, DateTimeOffset ExpiresAt)
{
    /// <summary>For a player-hosted session: the rendezvous id to present to the introducer; null (absent) for a dedicated server.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Guid? Rendezvous { get; init; }

    /// <summary>For a player-hosted session: the session's punch key (base64, 32 bytes); absent for a dedicated server.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? PunchKey { get; init; }
}

/// <summary>Body of <c>POST /v1/sessions/player-hosted</c>.</summary>
/// <param name="HostUserId">The hosting player (a player may only name itself).</param>
/// <param name="Session">The session to create.</param>
public sealed record PlayerHostedSessionBody(long HostUserId, SessionOptions Session);

/// <summary>Answer of <c>POST /v1/sessions/player-hosted</c> and <c>/{id}/claim-host</c>: what the hosting player's game needs.</summary>
/// <param name="Session">The session.</param>
/// <param name="SessionKey">The key the host's server opens joiners' connect tokens with (base64 in JSON; 32 bytes).</param>
/// <param name="Rendezvous">The session's rendezvous id at the introducer.</param>
public sealed record PlayerHostGrantBody(SessionInfo Session, byte[] SessionKey, Guid Rendezvous)
{
    /// <summary>The session's punch key (base64, 32 bytes), with which host and joiners tag their NAT punches.</summary>
    public byte[]? PunchKey { get; init; }
}

/// <summary>Body of <c>POST /v1/sessions/{id}/host-heartbeat</c>.</summary>
/// <param name="HostUserId">The host (a player may only name itself).</param>
/// <param name="Addresses">Its public addresses as "ip:port" (1 to 8).</param>
/// <param name="ConnectedPlayers">The players connected to it now.</param>
public sealed record HostHeartbeatBody(long HostUserId, IReadOnlyList<string> Addresses, IReadOnlyList<long> ConnectedPlayers);

/// <summary>Answer of <c>POST /v1/sessions/{id}/host-heartbeat</c>.</summary>
/// <param name="Live">False when the session is not live any more (the host should stop).</param>
public sealed record HostHeartbeatResult(bool Live)
{
    /// <summary>
    /// The players whose seats were freed recently, with when and why (<see cref="PlayerHostHeartbeat.Departures"/>); null
    /// from a backend from before they were sent.
    /// </summary>
    public IReadOnlyList<SessionDeparture>? Departures { get; init; }
}

/// <summary>Answer of <c>POST /v1/sessions/{id}/release-host</c>.</summary>
/// <param name="Released">True when the host's seat was released now; false when it was already.</param>
public sealed record ReleaseHostResult(bool Released);

/// <summary>Body of <c>POST /v1/sessions/{id}/claim-host</c>.</summary>
/// <param name="UserId">The member taking the session over (a player may only name itself).</param>
/// <param name="HostKey">The key its server opens connect tokens with (base64 in JSON; 32 bytes).</param>
/// <param name="ExpectedHostUserId">
/// The host the claim takes over from: refused (409 <c>host-changed</c>) once the session has another. Absent (an older
/// client): the claim is judged against whoever hosts the session now.
/// </param>
public sealed record ClaimHostBody(long UserId, byte[] HostKey, long? ExpectedHostUserId = null);

/// <summary>Answer of <c>POST /v1/sessions/{id}/leave</c>.</summary>
/// <param name="Left">Whether the player held a slot.</param>
public sealed record SessionLeaveResult(bool Left);

/// <summary>Answer of <c>POST /v1/sessions/{id}/end</c>.</summary>
/// <param name="Ended">Whether a live session was ended.</param>
public sealed record SessionEndResult(bool Ended);

/// <summary>Answer of <c>POST /v1/fleet/servers</c>.</summary>
/// <param name="ServerId">The server's id.</param>
/// <param name="HeartbeatIntervalMs">How often to heartbeat, in milliseconds.</param>
/// <param name="DeadAfterMs">Silence after which the server is declared dead, in milliseconds.</param>
public sealed record GameServerLeaseBody(string ServerId, long HeartbeatIntervalMs, long DeadAfterMs);

/// <summary>Answer of <c>DELETE /v1/fleet/servers/{id}</c>.</summary>
/// <param name="Deregistered">Whether a registered server was removed.</param>
public sealed record GameServerDeregisterResult(bool Deregistered);

/// <summary>Answer of <c>GET /v1/fleet/servers</c>.</summary>
/// <param name="Servers">The servers, oldest registration first.</param>
public sealed record GameServerList(IReadOnlyList<GameServerStatus> Servers);
