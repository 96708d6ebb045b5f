using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Achievements;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/achievements</c> and <c>/v1/users/{userId}/achievements</c>.</summary>
internal static class AchievementEndpoints
{
    private const string Tag = "Achievements";

    public static void Map(IEndpointRouteBuilder app)
    {
        var achievements = app.MapGroup("/v1/achievements/{achievementId}");

        achievements.MapPut("", async (string achievementId, HttpContext context, CallerResolver callers, AchievementService service) =>
        {
            var caller = await callers.ResolveAsync(context);
            caller.RequireServer("Defining an achievement");
            var definition = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.AchievementDefinition);
            if (definition.Id != achievementId)
            {
                throw OnlineException.Invalid("The body's id must match the route's.");
            }
            await service.DefineAchievementAsync(definition, context.RequestAborted);
            return Results.NoContent();
        }).Describe("defineAchievement", Tag, "Creates or replaces an achievement (server key).")
            .AcceptsJson<AchievementDefinition>().Produces(StatusCodes.Status204NoContent).ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType);

        achievements.MapPost("/unlock", (string achievementId, HttpContext context, CallerResolver callers, AchievementService service) =>
            ProgressAsync(achievementId, context, callers, service, unlock: true))
            .Describe("unlockAchievement", Tag, "Unlocks an achievement for a player.")
            .AcceptsJson<AchievementProgressBody>().Produces<AchievementUpdate>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        achievements.MapPost("/progress", (string achievementId, HttpContext context, CallerResolver callers, AchievementService service) =>
            ProgressAsync(achievementId, context, callers, service, unlock: false))
            .Describe("addAchievementProgress", Tag, "Adds progress to an achievement for a player.")
            .AcceptsJson<AchievementProgressBody>().Produces<AchievementUpdate>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity);

        app.MapGet("/v1/users/{userId}/achievements", async (string userId, HttpContext context, CallerResolver callers, AchievementService service) =>
        {
            long user = RequestValues.UserId(userId);
            var caller = await callers.ResolveAsync(context);
            caller.RequireSelfOrServer(user);
            var list = await service.GetAchievementsAsync(user, context.RequestAborted);
            if (!caller.IsServer)
            {
                // Players see that a hidden achievement exists, but not what it is, until they unlock it.
                list = list.Select(status => status.Hidden && !status.Unlocked ? status with { Name = "", Description = "" } : status).ToList();
            }
            return Results.Json(new AchievementList(list), OnlineJsonContext.Default.AchievementList);
        }).Describe("listAchievements", Tag, "Lists every achievement with a player's progress.")
            .Produces<AchievementList>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> ProgressAsync(string achievementId, HttpContext context, CallerResolver callers, AchievementService service, bool unlock)
    {
        var caller = await callers.ResolveAsync(context);
        var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.AchievementProgressBody);
        caller.RequireSelfOrServer(body.UserId);
        var definition = await service.GetAchievementDefinitionAsync(achievementId, context.RequestAborted)
            ?? throw OnlineException.NotFound($"No achievement '{achievementId}'.");
        if (definition.ServerOnly)
        {
            caller.RequireServer("Progressing a server-only achievement");
        }
        var update = unlock
            ? await service.UnlockAchievementAsync(achievementId, body.UserId, context.RequestAborted)
            : await service.AddAchievementProgressAsync(achievementId, body.UserId, body.Amount, body.IdempotencyKey, context.RequestAborted);
        return Results.Json(update, OnlineJsonContext.Default.AchievementUpdate);
    }
}
