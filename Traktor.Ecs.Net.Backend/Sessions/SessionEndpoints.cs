using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Backend.Sessions;

/// <summary>Routes under <c>/v1/sessions</c> (players and game servers) and <c>/v1/fleet/servers</c> (game servers only).</summary>
internal static class SessionEndpoints
{
    private const string SessionsTag = "Sessions";
    private const string FleetTag = "Fleet";

    public static void Map(IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/v1/sessions");

        sessions.MapPost("", async (HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var options = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionOptions);
            var session = await directory.CreateSessionAsync(options, caller.IsServer ? null : caller.UserId, context.RequestAborted);
            return Results.Json(session, SessionJsonContext.Default.SessionInfo, statusCode: StatusCodes.Status201Created);
        }).Describe("createMultiplayerSession", SessionsTag, "Creates a session and places it on a game server with room.")
            .AcceptsJson<Traktor.Ecs.Net.Sessions.SessionOptions>().Produces<SessionInfo>(StatusCodes.Status201Created).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapGet("", async (HttpContext context, CallerResolver callers) =>
        {
            await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var request = context.Request;
            var page = await directory.ListSessionsAsync(Filter(request), RequestValues.QueryInt(request, "offset") ?? 0,
                RequestValues.QueryInt(request, "limit") ?? 20, context.RequestAborted);
            return Results.Json(page, SessionJsonContext.Default.SessionPage);
        }).Describe("listMultiplayerSessions", SessionsTag, "Lists live public sessions, oldest first, filtered and paged.")
            .Produces<SessionPage>().ProducesCommonProblems();

        sessions.MapGet("/{sessionId}", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            await callers.ResolveAsync(context);
            var session = await SessionHosting.Require(context).GetSessionAsync(Id(sessionId), context.RequestAborted)
                ?? throw Problems.Absent($"No session {sessionId}.");
            return Results.Json(session, SessionJsonContext.Default.SessionInfo);
        }).Describe("getMultiplayerSession", SessionsTag, "Gets a session, live or recently ended, listed or not.")
            .Produces<SessionInfo>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);

        sessions.MapPost("/quick-join", async (HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.QuickJoinBody);
            caller.RequireSelfOrServer(body.UserId);
            var result = await directory.QuickJoinAsync(body.UserId, body.Filter, body.Create ?? throw OnlineException.Invalid("create is required."), context.RequestAborted);
            return Results.Json(ToBody(result), SessionJsonContext.Default.SessionJoinBody);
        }).Describe("quickJoinMultiplayerSession", SessionsTag, "Joins the oldest matching public session with room, or creates one and joins it.")
            .AcceptsJson<QuickJoinBody>().Produces<SessionJoinBody>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/join", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionUserBody);
            caller.RequireSelfOrServer(body.UserId);
            var result = await directory.JoinSessionAsync(Id(sessionId), body.UserId, context.RequestAborted);
            return Results.Json(ToBody(result), SessionJsonContext.Default.SessionJoinBody);
        }).Describe("joinMultiplayerSession", SessionsTag, "Takes a seat in a session and returns a connect token for its game server.")
            .AcceptsJson<SessionUserBody>().Produces<SessionJoinBody>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/leave", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionLeaveBody);
            caller.RequireSelfOrServer(body.UserId);
            // A player speaks for itself only: it cannot make its own leave look like a removal (or the reverse) to its game.
            var reason = body.Reason ?? (caller.IsServer ? SessionLeaveReason.Removed : SessionLeaveReason.Left);
            if (!caller.IsServer && reason != SessionLeaveReason.Left)
            {
                throw new OnlineException(OnlineError.Forbidden, "A player may only leave (reason Left); removals need a server key.");
            }

            // With the seat's grant time (a game server's report of an expired reconnect grace) only that seat goes: a rejoin since keeps its new one.
            bool left = body.SeatGrantedAt is { } grantedAt
                ? await directory.LeaveSessionAsync(Id(sessionId), body.UserId, reason, grantedAt, context.RequestAborted)
                : await directory.LeaveSessionAsync(Id(sessionId), body.UserId, reason, context.RequestAborted);
            return Results.Json(new SessionLeaveResult(left), SessionJsonContext.Default.SessionLeaveResult);
        }).Describe("leaveMultiplayerSession", SessionsTag, "Frees a player's seat in a session: the player leaves, or a game server removes it.")
            .AcceptsJson<SessionLeaveBody>().Produces<SessionLeaveResult>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/end", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            bool ended = await directory.EndSessionAsync(Id(sessionId), caller.IsServer ? null : caller.UserId, context.RequestAborted);
            return Results.Json(new SessionEndResult(ended), SessionJsonContext.Default.SessionEndResult);
        }).Describe("endMultiplayerSession", SessionsTag, "Ends a session (server key, or the player who created it).")
            .Produces<SessionEndResult>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);

        sessions.MapPost("/player-hosted", async (HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.PlayerHostedSessionBody);
            caller.RequireSelfOrServer(body.HostUserId);
            var grant = await directory.CreatePlayerHostedSessionAsync(body.Session ?? throw OnlineException.Invalid("session is required."), body.HostUserId, context.RequestAborted);
            return Results.Json(ToBody(grant), SessionJsonContext.Default.PlayerHostGrantBody, statusCode: StatusCodes.Status201Created);
        }).Describe("createPlayerHostedSession", SessionsTag, "Creates a session hosted by the player's own game (no game server); returns its token key and rendezvous id.")
            .AcceptsJson<PlayerHostedSessionBody>().Produces<PlayerHostGrantBody>(StatusCodes.Status201Created).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/host-heartbeat", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.HostHeartbeatBody);
            caller.RequireSelfOrServer(body.HostUserId);
            var answer = await directory.HostHeartbeatAsync(Id(sessionId), body.HostUserId, HostAddresses(body.Addresses),
                body.ConnectedPlayers ?? throw OnlineException.Invalid("connectedPlayers is required."), context.RequestAborted);
            return Results.Json(new HostHeartbeatResult(answer.Live) { Departures = answer.Departures }, SessionJsonContext.Default.HostHeartbeatResult);
        }).Describe("heartbeatSessionHost", SessionsTag, "A player host's report: its public addresses and the players connected to it; answers whether the session is live and its recent departures.")
            .AcceptsJson<HostHeartbeatBody>().Produces<HostHeartbeatResult>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/claim-host", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.ClaimHostBody);
            caller.RequireSelfOrServer(body.UserId);
            byte[] key = body.HostKey ?? throw OnlineException.Invalid("hostKey is required.");
            var grant = body.ExpectedHostUserId is { } expected
                ? await directory.ClaimHostAsync(Id(sessionId), body.UserId, key, expected, context.RequestAborted)
                : await directory.ClaimHostAsync(Id(sessionId), body.UserId, key, context.RequestAborted); // an older client names no host
            return Results.Json(ToBody(grant), SessionJsonContext.Default.PlayerHostGrantBody);
        }).Describe("claimSessionHost", SessionsTag, "After a host migration: a seated member takes over a player-hosted session whose host went silent.")
            .AcceptsJson<ClaimHostBody>().Produces<PlayerHostGrantBody>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/release-host", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionUserBody);
            caller.RequireSelfOrServer(body.UserId);
            bool released = await directory.ReleaseHostAsync(Id(sessionId), body.UserId, context.RequestAborted);
            return Results.Json(new ReleaseHostResult(released), SessionJsonContext.Default.ReleaseHostResult);
        }).Describe("releaseSessionHost", SessionsTag, "The host of a player-hosted session gives it back without ending it: the next successor may take it over at once.")
            .AcceptsJson<SessionUserBody>().Produces<ReleaseHostResult>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        sessions.MapPost("/{sessionId}/host-lost", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionUserBody);
            caller.RequireSelfOrServer(body.UserId);
            await directory.ReportHostLostAsync(Id(sessionId), body.UserId, context.RequestAborted);
            return Results.NoContent();
        }).Describe("reportSessionHostLost", SessionsTag, "A member of a player-hosted session reports that its game lost the host (a takeover needs half the successors behind the claimant to).")
            .AcceptsJson<SessionUserBody>().Produces(StatusCodes.Status204NoContent).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        var fleet = app.MapGroup("/v1/fleet/servers");

        fleet.MapPost("", async (HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Registering a game server");
            var directory = SessionHosting.Require(context);
            var registration = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.GameServerRegistration);
            var lease = await directory.RegisterServerAsync(registration, context.RequestAborted);
            return Results.Json(new GameServerLeaseBody(lease.ServerId, (long)lease.HeartbeatInterval.TotalMilliseconds, (long)lease.DeadAfter.TotalMilliseconds),
                SessionJsonContext.Default.GameServerLeaseBody, statusCode: StatusCodes.Status201Created);
        }).Describe("registerGameServer", FleetTag, "Registers a game-server process with its addresses and capacity (server key).")
            .AcceptsJson<GameServerRegistration>().Produces<GameServerLeaseBody>(StatusCodes.Status201Created).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        fleet.MapGet("", async (HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Listing the game servers");
            var servers = await SessionHosting.Require(context).ListServersAsync(context.RequestAborted);
            return Results.Json(new GameServerList(servers), SessionJsonContext.Default.GameServerList);
        }).Describe("listGameServers", FleetTag, "Lists the fleet's game servers (server key).")
            .Produces<GameServerList>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);

        fleet.MapPost("/{serverId}/heartbeat", async (string serverId, HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("A game-server heartbeat");
            var directory = SessionHosting.Require(context);
            var heartbeat = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.GameServerHeartbeat);
            var assignments = await directory.HeartbeatAsync(serverId, heartbeat, context.RequestAborted);
            return Results.Json(assignments, SessionJsonContext.Default.FleetAssignments);
        }).Describe("heartbeatGameServer", FleetTag, "Reports a game server alive with its load; answers with the sessions placed on it (server key).")
            .AcceptsJson<GameServerHeartbeat>().Produces<FleetAssignments>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        fleet.MapDelete("/{serverId}", async (string serverId, HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Deregistering a game server");
            bool gone = await SessionHosting.Require(context).DeregisterServerAsync(serverId, context.RequestAborted);
            return Results.Json(new GameServerDeregisterResult(gone), SessionJsonContext.Default.GameServerDeregisterResult);
        }).Describe("deregisterGameServer", FleetTag, "Removes a game server; its live sessions end (server key).")
            .Produces<GameServerDeregisterResult>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);
    }

    private static SessionId Id(string text) =>
        SessionId.TryParse(text, out var id) ? id : throw OnlineException.Invalid("A session id is 32 hexadecimal digits.");

    private static SessionFilter? Filter(HttpRequest request)
    {
        string? name = RequestValues.QueryString(request, "name");
        string? free = RequestValues.QueryString(request, "freeSlots");
        bool? freeSlots = free switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw OnlineException.Invalid("freeSlots must be true or false."),
        };
        var property = request.Query["property"];
        if (name is null && freeSlots is null && property.Count == 0)
        {
            return null;
        }

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string? pair in property)
        {
            if (pair is null)
            {
                continue;
            }

            int colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !properties.TryAdd(pair[..colon], pair[(colon + 1)..]))
            {
                throw OnlineException.Invalid("A property filter is key:value, each key once.");
            }

            if (properties.Count > SessionLimits.MaxProperties)
            {
                throw OnlineException.Invalid($"At most {SessionLimits.MaxProperties} property filters.");
            }
        }

        return new SessionFilter { NameContains = name, OnlyWithFreeSlots = freeSlots ?? false, Properties = properties.Count > 0 ? properties : null };
    }

    private static PlayerHostGrantBody ToBody(PlayerHostGrant grant) => new(grant.Session, grant.SessionKey, grant.Rendezvous) { PunchKey = grant.PunchKey };

    private static System.Net.IPEndPoint[] HostAddresses(IReadOnlyList<string>? addresses)
    {
        if (addresses is not { Count: >= 1 and <= 8 })
        {
            throw OnlineException.Invalid("A host has 1 to 8 public addresses.");
        }

        var parsed = new System.Net.IPEndPoint[addresses.Count];
        for (int i = 0; i < parsed.Length; i++)
        {
            parsed[i] = addresses[i] is { Length: <= 64 } text && System.Net.IPEndPoint.TryParse(text, out var address) && address.Port != 0
                ? address
                : throw OnlineException.Invalid("A host address is ip:port.");
        }

        return parsed;
    }

    private static SessionJoinBody ToBody(SessionJoinResult result) => new(
        result.Status,
        result.Session,
        result.ConnectInfo is { } connect
            ? new SessionConnectBody(connect.SessionId, connect.ConnectToken, connect.ServerAddresses.Select(a => a.ToString()).ToArray(), connect.ExpiresAt)
            {
                Rendezvous = connect.Rendezvous,
                PunchKey = connect.PunchKey,
            }
            : null);
}
