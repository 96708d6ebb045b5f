using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.CloudSave;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/users/{userId}/saves</c>.</summary>
internal static class CloudSaveEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var saves = app.MapGroup("/v1/users/{userId:long}/saves");

        saves.MapGet("", async (long userId, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            (await callers.ResolveAsync(context)).RequireSelfOrServer(userId);
            var list = await service.ListAsync(userId, context.RequestAborted);
            return Results.Json(new CloudSaveList(list), OnlineJsonContext.Default.CloudSaveList);
        });

        saves.MapPut("/{slot}", async (long userId, string slot, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            (await callers.ResolveAsync(context)).RequireSelfOrServer(userId);
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CloudSavePutBody);
            if (body.Data is null)
            {
                throw OnlineException.Invalid("data is required (base64).");
            }
            var entry = await service.PutAsync(userId, slot, body.Data, body.ExpectedVersion ?? CloudSaveVersion.Any, context.RequestAborted);
            return Results.Json(entry, OnlineJsonContext.Default.CloudSaveEntry);
        });

        saves.MapGet("/{slot}", async (long userId, string slot, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            (await callers.ResolveAsync(context)).RequireSelfOrServer(userId);
            var saved = await service.GetAsync(userId, slot, context.RequestAborted)
                ?? throw new AbsentException($"No slot '{slot}'.");
            return Results.Json(saved, OnlineJsonContext.Default.CloudSaveObject);
        });

        saves.MapDelete("/{slot}", async (long userId, string slot, string? expectedVersion, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            (await callers.ResolveAsync(context)).RequireSelfOrServer(userId);
            bool deleted = await service.DeleteAsync(userId, slot, expectedVersion ?? CloudSaveVersion.Any, context.RequestAborted);
            return Results.Json(new CloudSaveDeleteResult(deleted), OnlineJsonContext.Default.CloudSaveDeleteResult);
        });
    }
}
