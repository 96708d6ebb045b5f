using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// The request-rate limit per client address (an IPv6 /64 counts as one address) on every route, answered 429 with a
/// Retry-After that says when the next request will be accepted. A token bucket in this node's memory, holding this
/// node's share of the budget (<c>RequestsPerSecondPerAddress / NodeCount</c>), so a load balancer that spreads a
/// client over N nodes gives it the configured budget in total, without a database write per request. (The stricter
/// register/login/refresh budget is counted in the shared database instead: see <see cref="SharedAuthRateLimit"/>.)
/// Besides the rate, each address may have <see cref="BackendOptions.ConcurrentRequestsPerAddress"/> requests in
/// progress on this node: a request's permit is held until it completes, so slow uploads cannot pile up.
/// Requests with a valid server key (game servers, which multiplex many players) are not limited.
/// </summary>
internal static class BackendRateLimiting
{
    public static void Add(IServiceCollection services, BackendOptions options)
    {
        int perNode = Math.Max(1, options.RequestsPerSecondPerAddress / options.NodeCount);
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    IsGameServer(context)
                        ? RateLimitPartition.GetNoLimiter("server")
                        : RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Of(context), _ => Bucket(perNode, TimeSpan.FromSeconds(1)))),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    IsGameServer(context)
                        ? RateLimitPartition.GetNoLimiter("server")
                        : RateLimitPartition.GetConcurrencyLimiter(ClientAddress.Of(context),
                            _ => new ConcurrencyLimiterOptions { PermitLimit = options.ConcurrentRequestsPerAddress, QueueLimit = 0 })));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                // The token bucket says when its next permit comes; the concurrency limiter cannot.
                bool rate = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait);
                TimeSpan retryAfter = rate ? wait : TimeSpan.FromSeconds(1);
                BackendMetrics.RateLimited.Add(1,
                    new KeyValuePair<string, object?>(BackendMetrics.RouteTag, RouteLabels.Of(rejected.HttpContext)),
                    new KeyValuePair<string, object?>(BackendMetrics.LimitTag, rate ? "rate" : "concurrency"));
                await Problems.WriteAsync(rejected.HttpContext, OnlineProblemTypes.RateLimited, OnlineError.RateLimited,
                    "Too many requests from this address; slow down.", retryAfter).ConfigureAwait(false);
            };
        });
    }

    /// <summary>
    /// A bucket of <paramref name="permits"/> that refills one permit every <paramref name="window"/>/<paramref name="permits"/>,
    /// so the lease's Retry-After is the time to the next permit, not a whole window. Replenished by the partitioned
    /// limiter's own timer (every 100 ms), not a timer per address.
    /// </summary>
    private static TokenBucketRateLimiterOptions Bucket(int permits, TimeSpan window)
    {
        permits = Math.Max(1, permits);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, window.Ticks / permits));
        int perPeriod = (int)Math.Max(1, Math.Round(permits * (double)period.Ticks / window.Ticks));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = permits,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    private static readonly object ServerKeyChecked = new();

    // Asked by both limiters of the chain: the server key's hash is compared once per request.
    private static bool IsGameServer(HttpContext context)
    {
        if (context.Items.TryGetValue(ServerKeyChecked, out var known)) return (bool)known!;
        bool isServer = context.RequestServices.GetRequiredService<CallerResolver>().HasServerKey(context);
        context.Items[ServerKeyChecked] = isServer;
        return isServer;
    }
}
