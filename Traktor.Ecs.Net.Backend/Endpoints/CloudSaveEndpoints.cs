using Microsoft.Net.Http.Headers;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.CloudSave;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/users/{userId}/saves</c>.</summary>
internal static class CloudSaveEndpoints
{
    private const string Tag = "Cloud save";

    public static void Map(IEndpointRouteBuilder app)
    {
        var saves = app.MapGroup("/v1/users/{userId}/saves");

        saves.MapGet("", async (string userId, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            long user = RequestValues.UserId(userId);
            (await callers.ResolveAsync(context)).RequireSelfOrServer(user);
            var list = await service.ListAsync(user, context.RequestAborted);
            return Results.Json(new CloudSaveList(list), OnlineJsonContext.Default.CloudSaveList);
        }).Describe("listSaves", Tag, "Lists a player's slots.")
            .Produces<CloudSaveList>().ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);

        saves.MapPut("/{slot}", async (string userId, string slot, HttpContext context, CallerResolver callers, CloudSaveService service, BackendOptions options) =>
        {
            long user = RequestValues.UserId(userId);
            (await callers.ResolveAsync(context)).RequireSelfOrServer(user);
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CloudSavePutBody);
            if (body.Data is null)
            {
                throw OnlineException.Invalid("data is required (base64).");
            }
            var precondition = CloudSavePrecondition.Read(context.Request, body.ExpectedVersion, allowIfAbsent: true);
            precondition.RequireIfConfigured(options.RequireCloudSavePreconditions);
            var entry = await service.PutAsync(user, slot, body.Data, precondition.ExpectedVersion, precondition.RequireExisting, context.RequestAborted);
            context.Response.Headers.ETag = CloudSavePrecondition.ETag(entry.Version);
            return Results.Json(entry, OnlineJsonContext.Default.CloudSaveEntry);
        }).Describe("putSave", Tag, "Writes a slot.")
            .AcceptsJson<CloudSavePutBody>().Produces<CloudSaveEntry>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status428PreconditionRequired);

        saves.MapGet("/{slot}", async (string userId, string slot, HttpContext context, CallerResolver callers, CloudSaveService service) =>
        {
            long user = RequestValues.UserId(userId);
            (await callers.ResolveAsync(context)).RequireSelfOrServer(user);
            var saved = await service.GetAsync(user, slot, context.RequestAborted)
                ?? throw Problems.Absent($"No slot '{slot}'.");
            string etag = CloudSavePrecondition.ETag(saved.Entry.Version);
            context.Response.Headers.ETag = etag;
            // If-None-Match compares weakly (RFC 9110 §13.1.2): the client already holds this version.
            var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
            if (ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Tag.Value == etag))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
            return Results.Json(saved, OnlineJsonContext.Default.CloudSaveObject);
        }).Describe("getSave", Tag, "Reads a slot with its data.")
            .Produces<CloudSaveObject>().Produces(StatusCodes.Status304NotModified).ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);

        saves.MapDelete("/{slot}", async (string userId, string slot, HttpContext context, CallerResolver callers, CloudSaveService service, BackendOptions options) =>
        {
            long user = RequestValues.UserId(userId);
            (await callers.ResolveAsync(context)).RequireSelfOrServer(user);
            var precondition = CloudSavePrecondition.Read(context.Request, RequestValues.QueryString(context.Request, "expectedVersion"), allowIfAbsent: true);
            precondition.RequireIfConfigured(options.RequireCloudSavePreconditions);
            if (precondition.RequireExisting)
            {
                throw OnlineException.Invalid("If-Match: * on a delete is not supported; send the slot's ETag.");
            }
            bool deleted = await service.DeleteAsync(user, slot, precondition.ExpectedVersion, context.RequestAborted);
            return Results.Json(new CloudSaveDeleteResult(deleted), OnlineJsonContext.Default.CloudSaveDeleteResult);
        }).Describe("deleteSave", Tag, "Deletes a slot.")
            .Produces<CloudSaveDeleteResult>().ProducesCommonProblems()
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status428PreconditionRequired);
    }
}
