using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>Reads a JSON request body with the API's source-generated contracts; anything malformed is a typed 400.</summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw OnlineException.Invalid("The body must be application/json.");
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value ?? throw OnlineException.Invalid("The body must not be null.");
        }
        catch (JsonException exception)
        {
            throw OnlineException.Invalid($"The body is not valid JSON for this request: {exception.Message}");
        }
    }
}
