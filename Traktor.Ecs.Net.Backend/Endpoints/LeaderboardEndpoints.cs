using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Leaderboards;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/leaderboards</c>.</summary>
internal static class LeaderboardEndpoints
{
    // DateTimeOffset's range in Unix seconds; anything outside is a bad period, not a crash.
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    public static void Map(IEndpointRouteBuilder app)
    {
        var boards = app.MapGroup("/v1/leaderboards/{leaderboardId}");

        boards.MapPut("", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            var caller = await callers.ResolveAsync(context);
            caller.RequireServer("Defining a leaderboard");
            var definition = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.LeaderboardDefinition);
            if (definition.Id != leaderboardId)
            {
                throw OnlineException.Invalid("The body's id must match the route's.");
            }
            await service.DefineLeaderboardAsync(definition, context.RequestAborted);
            return Results.NoContent();
        });

        boards.MapGet("", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var definition = await service.GetLeaderboardDefinitionAsync(leaderboardId, context.RequestAborted)
                ?? throw new AbsentException($"No leaderboard '{leaderboardId}'.");
            return Results.Json(definition, OnlineJsonContext.Default.LeaderboardDefinition);
        });

        boards.MapPost("/scores", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            var caller = await callers.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.ScoreBody);
            caller.RequireSelfOrServer(body.UserId);
            var definition = await service.GetLeaderboardDefinitionAsync(leaderboardId, context.RequestAborted)
                ?? throw OnlineException.NotFound($"No leaderboard '{leaderboardId}'.");
            if (definition.Authoritative)
            {
                caller.RequireServer("Submitting to an authoritative leaderboard");
            }
            var result = await service.SubmitScoreAsync(
                new ScoreSubmission(leaderboardId, body.UserId, body.Score, body.IdempotencyKey, body.Metadata), context.RequestAborted);
            return Results.Json(result, OnlineJsonContext.Default.ScoreSubmissionResult);
        });

        boards.MapGet("/entries", async (string leaderboardId, int? offset, int? limit, long? period, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var page = await service.GetLeaderboardAsync(leaderboardId, offset ?? 0, limit ?? 10, Period(period), context.RequestAborted);
            return Results.Json(page, OnlineJsonContext.Default.LeaderboardPage);
        });

        boards.MapGet("/around/{userId:long}", async (string leaderboardId, long userId, int? radius, long? period, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var entries = await service.GetLeaderboardAroundPlayerAsync(leaderboardId, userId, radius ?? 5, Period(period), context.RequestAborted);
            return Results.Json(new LeaderboardEntryList(entries), OnlineJsonContext.Default.LeaderboardEntryList);
        });

        boards.MapGet("/ranks/{userId:long}", async (string leaderboardId, long userId, long? period, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var entry = await service.GetRankAsync(leaderboardId, userId, Period(period), context.RequestAborted)
                ?? throw new AbsentException("The player has no record in this period.");
            return Results.Json(entry, OnlineJsonContext.Default.LeaderboardEntry);
        });

        boards.MapGet("/periods", async (string leaderboardId, int? limit, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var periods = await service.GetPeriodsAsync(leaderboardId, limit ?? 10, context.RequestAborted);
            return Results.Json(new LeaderboardPeriodList(periods), OnlineJsonContext.Default.LeaderboardPeriodList);
        });
    }

    private static DateTimeOffset? Period(long? unixSeconds) => unixSeconds switch
    {
        null => null,
        < MinUnixSeconds or > MaxUnixSeconds => throw OnlineException.Invalid("period must be a Unix time in seconds."),
        { } seconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
    };
}
