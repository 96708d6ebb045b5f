using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Achievements;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/achievements</c> and <c>/v1/users/{userId}/achievements</c>.</summary>
internal static class AchievementEndpoints
{
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
        });

        achievements.MapPost("/unlock", (string achievementId, HttpContext context, CallerResolver callers, AchievementService service) =>
            ProgressAsync(achievementId, context, callers, service, unlock: true));

        achievements.MapPost("/progress", (string achievementId, HttpContext context, CallerResolver callers, AchievementService service) =>
            ProgressAsync(achievementId, context, callers, service, unlock: false));

        app.MapGet("/v1/users/{userId:long}/achievements", async (long userId, HttpContext context, CallerResolver callers, AchievementService service) =>
        {
            var caller = await callers.ResolveAsync(context);
            caller.RequireSelfOrServer(userId);
            var list = await service.GetAchievementsAsync(userId, context.RequestAborted);
            if (!caller.IsServer)
            {
                // Players see that a hidden achievement exists, but not what it is, until they unlock it.
                list = list.Select(status => status.Hidden && !status.Unlocked ? status with { Name = "", Description = "" } : status).ToList();
            }
            return Results.Json(new AchievementList(list), OnlineJsonContext.Default.AchievementList);
        });
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
            : await service.AddAchievementProgressAsync(achievementId, body.UserId, body.Amount, context.RequestAborted);
        return Results.Json(update, OnlineJsonContext.Default.AchievementUpdate);
    }
}
