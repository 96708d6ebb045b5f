using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.RateLimiting;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// The register/login/refresh budget per client address (<c>Online:AuthRequestsPerMinutePerAddress</c>), counted in
/// the shared database so it holds over every node together, and taken before the route reads its body or hashes a
/// password. Game servers with a server key are not limited.
/// </summary>
internal sealed class SharedAuthRateLimit(SharedRateLimiter limiter, BackendOptions options, CallerResolver callers) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!callers.HasServerKey(http))
        {
            var wait = await limiter.TryAcquireAsync("auth:" + ClientAddress.Of(http), options.AuthRequestsPerMinutePerAddress, TimeSpan.FromMinutes(1),
                http.RequestAborted).ConfigureAwait(false);
            if (wait is { } retryAfter)
            {
                throw new OnlineException(OnlineError.RateLimited, "Too many sign-in requests from this address; slow down.", retryAfter)
                {
                    ProblemType = OnlineProblemTypes.RateLimited,
                };
            }
        }
        return await next(context).ConfigureAwait(false);
    }
}
