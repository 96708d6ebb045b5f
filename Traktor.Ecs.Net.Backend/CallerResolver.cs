using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Backend;

/// <summary>Works out who is calling from the request's headers.</summary>
internal sealed class CallerResolver(BackendSecrets secrets, AuthenticationService authentication)
{
    /// <summary>A server key wins over a bearer token; a request with neither (or a bad one) is refused.</summary>
    public async Task<Caller> ResolveAsync(HttpContext context)
    {
        if (context.Request.Headers.TryGetValue(OnlineBackendClient.ServerKeyHeader, out var serverKey))
        {
            return secrets.IsServerKey(serverKey.Count == 1 ? serverKey[0] : null)
                ? Caller.Server
                : throw Refused("server_key", "Unknown server key.");
        }
        string? token = BearerToken(context);
        if (token is null)
        {
            throw Refused("missing", "A bearer access token or a server key is required.");
        }
        try
        {
            var claims = await authentication.ValidateAccessTokenAsync(token, context.RequestAborted).ConfigureAwait(false);
            return new Caller(false, claims.UserId);
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Unauthorized)
        {
            Count("access_token");
            throw;
        }
    }

    private static OnlineException Refused(string reason, string message)
    {
        Count(reason);
        return OnlineException.Unauthorized(message);
    }

    /// <summary>Counts one request refused for its credentials (<see cref="BackendMetrics.AuthFailures"/>), <paramref name="reason"/> a fixed word.</summary>
    internal static void Count(string reason) =>
        BackendMetrics.AuthFailures.Add(1, new KeyValuePair<string, object?>(BackendMetrics.ReasonTag, reason));

    /// <summary>Whether the request carries a valid server key (used to exempt game servers from rate limits).</summary>
    public bool HasServerKey(HttpContext context) =>
        context.Request.Headers.TryGetValue(OnlineBackendClient.ServerKeyHeader, out var key) && key.Count == 1 && secrets.IsServerKey(key[0]);

    /// <summary>The bearer token of the Authorization header, or null.</summary>
    public static string? BearerToken(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization.Count == 1 ? context.Request.Headers.Authorization[0] : null;
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }
}
