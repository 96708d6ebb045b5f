using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// Request-rate limits per client address (an IPv6 /64 counts as one address), answered 429 with a Retry-After
/// that says when the next request will be accepted: a global one for every request and a stricter one for
/// register/login/refresh. Token buckets, so a client that waits the announced time is let through, and a burst
/// up to the limit is fine. Requests with a valid server key (game servers, which multiplex many players) are not limited.
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
                    : RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Of(context), _ => Bucket(options.RequestsPerSecondPerAddress, TimeSpan.FromSeconds(1))));
            limiter.AddPolicy(AuthPolicy, context =>
                IsGameServer(context)
                    ? RateLimitPartition.GetNoLimiter("server")
                    : RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Of(context), _ => Bucket(options.AuthRequestsPerMinutePerAddress, TimeSpan.FromMinutes(1))));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                TimeSpan retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
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

    private static bool IsGameServer(HttpContext context) => context.RequestServices.GetRequiredService<CallerResolver>().HasServerKey(context);
}
