namespace Traktor.Ecs.Net.Rpc;

/// <summary>A token bucket: <c>rate</c> tokens per second up to <c>burst</c>; each RPC takes one.</summary>
internal sealed class TokenBucket
{
    private readonly double rate;
    private readonly double burst;
    private double tokens;
    private double lastSeconds;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="rate">Tokens per second.</param>
    /// <param name="burst">Capacity.</param>
    /// <param name="nowSeconds">The current time.</param>
    public TokenBucket(double rate, double burst, double nowSeconds)
    {
        this.rate = rate;
        this.burst = burst;
        tokens = burst;
        lastSeconds = nowSeconds;
    }

    /// <summary>Takes one token when available.</summary>
    /// <param name="nowSeconds">The current time (monotonic).</param>
    /// <returns>False when the bucket is empty.</returns>
    public bool TryTake(double nowSeconds)
    {
        tokens = Math.Min(burst, tokens + (Math.Max(0, nowSeconds - lastSeconds) * rate));
        lastSeconds = Math.Max(lastSeconds, nowSeconds);
        if (tokens < 1)
        {
            return false;
        }

        tokens -= 1;
        return true;
    }
}
