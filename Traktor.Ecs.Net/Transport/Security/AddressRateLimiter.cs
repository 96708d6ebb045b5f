namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Token buckets for pre-connection packets in two fixed tables indexed by two independent hashes of the source
/// address: memory never grows with the number of sources, one busy address is held to the configured rate, and a
/// spoofed flood spread over many addresses only limits an innocent address if it drains both of its buckets.
/// </summary>
internal sealed class AddressRateLimiter
{
    private readonly double[] _tokens;
    private readonly double[] _updatedAt;
    private readonly int _tableSize;
    private readonly double _perSecond;
    private readonly double _burst;
    private readonly int _seedA = Random.Shared.Next();
    private readonly int _seedB = Random.Shared.Next();

    public AddressRateLimiter(int tableSize, double perSecond, double burst)
    {
        _tableSize = tableSize;
        _tokens = new double[2 * tableSize];
        _updatedAt = new double[2 * tableSize];
        Array.Fill(_tokens, burst);
        _perSecond = perSecond;
        _burst = burst;
    }

    public bool TryTake(in NetAddress address, double now)
    {
        int a = (int)((uint)HashCode.Combine(_seedA, address) % (uint)_tableSize);
        int b = _tableSize + (int)((uint)HashCode.Combine(_seedB, address) % (uint)_tableSize);
        bool allowedA = Take(a, now);
        bool allowedB = Take(b, now);
        return allowedA || allowedB;
    }

    private bool Take(int index, double now)
    {
        double tokens = Math.Min(_burst, _tokens[index] + Math.Max(0, now - _updatedAt[index]) * _perSecond);
        _updatedAt[index] = now;
        bool allowed = tokens >= 1;
        _tokens[index] = allowed ? tokens - 1 : tokens;
        return allowed;
    }
}
