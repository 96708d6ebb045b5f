namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// How often a server answers requests of another protocol version (docs/PROTOCOL.md §3.7): per source (IPv4 address or
/// IPv6 /64, any port) and in all, at the rates and bursts of <see cref="NetServerOptions"/> (by default 1 answer a second
/// with a burst of 3 per source, and 1,000 a second with a burst of 1,000 in all). A client needs one answer; a flood from
/// one source, or one spoofing many sources, draws a few 17-byte answers, each no larger than the request that caused it.
/// Memory is fixed (two tables of 1,024 buckets).
/// </summary>
internal sealed class VersionAnswerBudget
{
    private readonly AddressRateLimiter _perSource;
    private readonly double _totalPerSecond;
    private readonly double _totalBurst;
    private double _total;
    private double _totalUpdatedAt;

    /// <summary>A budget of <paramref name="options"/>' version-answer rates and bursts (validated by the server).</summary>
    public VersionAnswerBudget(NetServerOptions options)
    {
        _perSource = new AddressRateLimiter(1024, options.VersionAnswerRatePerSecond, options.VersionAnswerBurst);
        _totalPerSecond = options.VersionAnswerTotalRatePerSecond;
        _totalBurst = options.VersionAnswerTotalBurst;
        _total = _totalBurst;
    }

    /// <summary>Takes an answer from <paramref name="source"/>'s budget and the total; false when either is spent.</summary>
    public bool TryTake(in NetAddress source, double now)
    {
        double total = Math.Min(_totalBurst, _total + Math.Max(0, now - _totalUpdatedAt) * _totalPerSecond);
        _totalUpdatedAt = now;
        _total = total;
        if (total < 1 || !_perSource.TryTake(source, now)) return false;
        _total = total - 1;
        return true;
    }
}
