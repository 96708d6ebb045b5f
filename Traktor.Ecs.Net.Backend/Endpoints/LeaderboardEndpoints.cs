using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Leaderboards;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/leaderboards</c>.</summary>
internal static class LeaderboardEndpoints
{
    private const string Tag = "Leaderboards";

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
        }).Describe("defineLeaderboard", Tag, "Creates a leaderboard, or changes one that holds no scores yet (server key).")
            .AcceptsJson<LeaderboardDefinition>().Produces(StatusCodes.Status204NoContent).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        boards.MapGet("", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            var definition = await service.GetLeaderboardDefinitionAsync(leaderboardId, context.RequestAborted)
                ?? throw OnlineException.NotFound($"No leaderboard '{leaderboardId}'.");
            return Results.Json(definition, OnlineJsonContext.Default.LeaderboardDefinition);
        }).Describe("getLeaderboard", Tag, "Reads a leaderboard's definition.")
            .Produces<LeaderboardDefinition>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);

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
        }).Describe("submitScore", Tag, "Submits a score to the current period.")
            .AcceptsJson<ScoreBody>().Produces<ScoreSubmissionResult>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity);

        boards.MapGet("/entries", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            int offset = RequestValues.QueryInt(context.Request, "offset") ?? 0;
            int limit = RequestValues.QueryInt(context.Request, "limit") ?? 10;
            var page = await service.GetLeaderboardAsync(leaderboardId, offset, limit, Period(context.Request), context.RequestAborted);
            return Results.Json(page, OnlineJsonContext.Default.LeaderboardPage);
        }).Describe("getLeaderboardEntries", Tag, "Reads a page of a leaderboard, best first.")
            .Produces<LeaderboardPage>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);

        boards.MapGet("/around/{userId}", async (string leaderboardId, string userId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            long user = RequestValues.UserId(userId);
            await callers.ResolveAsync(context);
            int radius = RequestValues.QueryInt(context.Request, "radius") ?? 5;
            var entries = await service.GetLeaderboardAroundPlayerAsync(leaderboardId, user, radius, Period(context.Request), context.RequestAborted);
            return Results.Json(new LeaderboardEntryList(entries), OnlineJsonContext.Default.LeaderboardEntryList);
        }).Describe("getLeaderboardAroundPlayer", Tag, "Reads the entries around a player.")
            .Produces<LeaderboardEntryList>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);

        boards.MapGet("/ranks/{userId}", async (string leaderboardId, string userId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            long user = RequestValues.UserId(userId);
            await callers.ResolveAsync(context);
            var entry = await service.GetRankAsync(leaderboardId, user, Period(context.Request), context.RequestAborted)
                ?? throw Problems.Absent("The player has no record in this period.");
            return Results.Json(entry, OnlineJsonContext.Default.LeaderboardEntry);
        }).Describe("getLeaderboardRank", Tag, "Reads a player's record and rank.")
            .Produces<LeaderboardEntry>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);

        boards.MapGet("/periods", async (string leaderboardId, HttpContext context, CallerResolver callers, LeaderboardService service) =>
        {
            await callers.ResolveAsync(context);
            int limit = RequestValues.QueryInt(context.Request, "limit") ?? 10;
            var periods = await service.GetPeriodsAsync(leaderboardId, limit, context.RequestAborted);
            return Results.Json(new LeaderboardPeriodList(periods), OnlineJsonContext.Default.LeaderboardPeriodList);
        }).Describe("getLeaderboardPeriods", Tag, "Lists the starts of the periods that hold records, newest first.")
            .Produces<LeaderboardPeriodList>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status404NotFound);
    }

    private static DateTimeOffset? Period(HttpRequest request) => RequestValues.QueryLong(request, "period") switch
    {
        null => null,
        < MinUnixSeconds or > MaxUnixSeconds => throw OnlineException.Invalid("period must be a Unix time in seconds."),
        { } seconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
    };
}
