using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// Rate limits per client address, answered 429 with Retry-After: a global one for every request and a
/// stricter one for register/login/refresh. Requests with a valid server key (game servers, which
/// multiplex many players) are not limited.
/// </summary>
internal static class BackendRateLimiting
{
    public const string AuthPolicy = "auth";

    public static void Add(IServiceCollection services, BackendOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsGameServer(context)
                    ? RateLimitPartition.GetNoLimiter("server")
                    : RateLimitPartition.GetFixedWindowLimiter(AddressOf(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, options.RequestsPerSecondPerAddress),
                        Window = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    }));
            limiter.AddPolicy(AuthPolicy, context =>
                IsGameServer(context)
                    ? RateLimitPartition.GetNoLimiter("server")
                    : RateLimitPartition.GetFixedWindowLimiter(AddressOf(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, options.AuthRequestsPerMinutePerAddress),
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                TimeSpan retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                await ErrorHandlingMiddleware.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests,
                    OnlineErrorCodes.ToCode(OnlineError.RateLimited), "Too many requests; slow down.", retryAfter).ConfigureAwait(false);
            };
        });
    }

    private static bool IsGameServer(HttpContext context) => context.RequestServices.GetRequiredService<CallerResolver>().HasServerKey(context);

    private static string AddressOf(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
