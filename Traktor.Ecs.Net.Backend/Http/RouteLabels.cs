using System.Collections.Concurrent;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// The <see cref="BackendMetrics.RouteTag"/> of a request: the method and pattern of the endpoint routing chose, or
/// <c>unmatched</c>. Built once per route and method (a bounded set: the route table's), not per request.
/// </summary>
internal static class RouteLabels
{
    /// <summary>The label of a request no endpoint matched (an unknown path: its text is the client's, never a tag).</summary>
    public const string Unmatched = "unmatched";

    // Keyed by the pattern's text, not the endpoint: equal routes of several hosts in one process share a label.
    private static readonly ConcurrentDictionary<(string Pattern, string Method), string> Labels = new();

    public static string Of(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.RoutePattern.RawText is not { } pattern)
        {
            return Unmatched;
        }
        // The endpoint's own method string, not the request's: the key stays within the route table's values.
        string? method = null;
        if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods)
        {
            foreach (string allowed in methods.HttpMethods)
            {
                if (string.Equals(allowed, context.Request.Method, StringComparison.OrdinalIgnoreCase))
                {
                    method = allowed;
                    break;
                }
            }
        }
        return Labels.GetOrAdd((pattern, method ?? ""), static key =>
        {
            // A group's own route ("" under "/v1/sessions") reads "/v1/sessions/"; the label is the path as clients write it.
            string path = key.Pattern.Length > 1 ? key.Pattern.TrimEnd('/') : key.Pattern;
            return key.Method.Length == 0 ? path : key.Method + " " + path;
        });
    }
}
