namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// How often a server answers requests of another protocol version (docs/PROTOCOL.md §3.7): per source (IPv4 address or
/// IPv6 /64, any port) 1 answer a second with a burst of 3, and 1,000 a second with a burst of 1,000 in all. A client
/// needs one answer; a flood from one source, or one spoofing many sources, draws a few 17-byte answers, each no larger
/// than the request that caused it. Memory is fixed (two tables of 1,024 buckets).
/// </summary>
internal sealed class VersionAnswerBudget
{
    public const double PerSourcePerSecond = 1;
    public const double PerSourceBurst = 3;
    public const double TotalPerSecond = 1000;
    public const double TotalBurst = 1000;

    private readonly AddressRateLimiter _perSource = new(1024, PerSourcePerSecond, PerSourceBurst);
    private double _total = TotalBurst;
    private double _totalUpdatedAt;

    /// <summary>Takes an answer from <paramref name="source"/>'s budget and the total; false when either is spent.</summary>
    public bool TryTake(in NetAddress source, double now)
    {
        double total = Math.Min(TotalBurst, _total + Math.Max(0, now - _totalUpdatedAt) * TotalPerSecond);
        _totalUpdatedAt = now;
        _total = total;
        if (total < 1 || !_perSource.TryTake(source, now)) return false;
        _total = total - 1;
        return true;
    }
}
