using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// Reads a JSON request body with the API's source-generated contracts. A body that is not
/// <c>application/json</c> is 415; anything malformed is a typed 400 that names where in the body it broke,
/// never a .NET type.
/// </summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        if (!IsJson(request.ContentType))
        {
            throw new OnlineException(OnlineError.InvalidArgument, "The body must be sent as application/json (UTF-8).")
            {
                ProblemType = OnlineProblemTypes.UnsupportedMediaType,
            };
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value ?? throw Malformed("The body must be a JSON object, not null.");
        }
        catch (JsonException exception)
        {
            string where = string.IsNullOrEmpty(exception.Path) ? "" : $" (at {exception.Path})";
            throw Malformed($"The body is not valid JSON of the expected shape{where}.");
        }
    }

    private static OnlineException Malformed(string message) =>
        new(OnlineError.InvalidArgument, message) { ProblemType = OnlineProblemTypes.MalformedBody };

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (parsed.Charset.Length == 0 || parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
