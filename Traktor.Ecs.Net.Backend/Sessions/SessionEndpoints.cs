using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Backend.Sessions;

/// <summary>Routes under <c>/v1/sessions</c> (players and game servers) and <c>/v1/fleet/servers</c> (game servers only).</summary>
internal static class SessionEndpoints
{
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
        });

        sessions.MapGet("", async (int? offset, int? limit, string? name, bool? freeSlots, string[]? property, HttpContext context, CallerResolver callers) =>
        {
            await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var page = await directory.ListSessionsAsync(Filter(name, freeSlots, property), offset ?? 0, limit ?? 20, context.RequestAborted);
            return Results.Json(page, SessionJsonContext.Default.SessionPage);
        });

        sessions.MapGet("/{sessionId}", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            await callers.ResolveAsync(context);
            var session = await SessionHosting.Require(context).GetSessionAsync(Id(sessionId), context.RequestAborted)
                ?? throw new AbsentException($"No session {sessionId}.");
            return Results.Json(session, SessionJsonContext.Default.SessionInfo);
        });

        sessions.MapPost("/quick-join", async (HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.QuickJoinBody);
            caller.RequireSelfOrServer(body.UserId);
            var result = await directory.QuickJoinAsync(body.UserId, body.Filter, body.Create ?? throw OnlineException.Invalid("create is required."), context.RequestAborted);
            return Results.Json(ToBody(result), SessionJsonContext.Default.SessionJoinBody);
        });

        sessions.MapPost("/{sessionId}/join", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionUserBody);
            caller.RequireSelfOrServer(body.UserId);
            var result = await directory.JoinSessionAsync(Id(sessionId), body.UserId, context.RequestAborted);
            return Results.Json(ToBody(result), SessionJsonContext.Default.SessionJoinBody);
        });

        sessions.MapPost("/{sessionId}/leave", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            var body = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.SessionUserBody);
            caller.RequireSelfOrServer(body.UserId);
            bool left = await directory.LeaveSessionAsync(Id(sessionId), body.UserId, context.RequestAborted);
            return Results.Json(new SessionLeaveResult(left), SessionJsonContext.Default.SessionLeaveResult);
        });

        sessions.MapPost("/{sessionId}/end", async (string sessionId, HttpContext context, CallerResolver callers) =>
        {
            var caller = await callers.ResolveAsync(context);
            var directory = SessionHosting.Require(context);
            bool ended = await directory.EndSessionAsync(Id(sessionId), caller.IsServer ? null : caller.UserId, context.RequestAborted);
            return Results.Json(new SessionEndResult(ended), SessionJsonContext.Default.SessionEndResult);
        });

        var fleet = app.MapGroup("/v1/fleet/servers");

        fleet.MapPost("", async (HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Registering a game server");
            var directory = SessionHosting.Require(context);
            var registration = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.GameServerRegistration);
            var lease = await directory.RegisterServerAsync(registration, context.RequestAborted);
            return Results.Json(new GameServerLeaseBody(lease.ServerId, (long)lease.HeartbeatInterval.TotalMilliseconds, (long)lease.DeadAfter.TotalMilliseconds),
                SessionJsonContext.Default.GameServerLeaseBody, statusCode: StatusCodes.Status201Created);
        });

        fleet.MapGet("", async (HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Listing the game servers");
            var servers = await SessionHosting.Require(context).ListServersAsync(context.RequestAborted);
            return Results.Json(new GameServerList(servers), SessionJsonContext.Default.GameServerList);
        });

        fleet.MapPost("/{serverId}/heartbeat", async (string serverId, HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("A game-server heartbeat");
            var directory = SessionHosting.Require(context);
            var heartbeat = await RequestBody.ReadAsync(context.Request, SessionJsonContext.Default.GameServerHeartbeat);
            var assignments = await directory.HeartbeatAsync(serverId, heartbeat, context.RequestAborted);
            return Results.Json(assignments, SessionJsonContext.Default.FleetAssignments);
        });

        fleet.MapDelete("/{serverId}", async (string serverId, HttpContext context, CallerResolver callers) =>
        {
            (await callers.ResolveAsync(context)).RequireServer("Deregistering a game server");
            bool gone = await SessionHosting.Require(context).DeregisterServerAsync(serverId, context.RequestAborted);
            return Results.Json(new GameServerDeregisterResult(gone), SessionJsonContext.Default.GameServerDeregisterResult);
        });
    }

    private static SessionId Id(string text) =>
        SessionId.TryParse(text, out var id) ? id : throw OnlineException.Invalid("A session id is 32 hexadecimal digits.");

    private static SessionFilter? Filter(string? name, bool? freeSlots, string[]? property)
    {
        if (name is null && freeSlots is null && property is not { Length: > 0 })
        {
            return null;
        }

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in property ?? [])
        {
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

    private static SessionJoinBody ToBody(SessionJoinResult result) => new(
        result.Status,
        result.Session,
        result.ConnectInfo is { } connect
            ? new SessionConnectBody(connect.SessionId, connect.ConnectToken, connect.ServerAddresses.Select(a => a.ToString()).ToArray(), connect.ExpiresAt)
            : null);
}
