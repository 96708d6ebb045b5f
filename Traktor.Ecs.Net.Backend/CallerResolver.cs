using Traktor.Ecs.Net.Backend.Configuration;
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
                : throw OnlineException.Unauthorized("Unknown server key.");
        }
        string? token = BearerToken(context);
        if (token is null)
        {
            throw OnlineException.Unauthorized("A bearer access token or a server key is required.");
        }
        var claims = await authentication.ValidateAccessTokenAsync(token, context.RequestAborted).ConfigureAwait(false);
        return new Caller(false, claims.UserId);
    }

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
