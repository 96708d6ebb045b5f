namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Token buckets for pre-connection packets in a fixed table indexed by a hash of the source address:
/// memory never grows with the number of sources (spoofed floods only share buckets), yet one busy address
/// cannot make the server answer it faster than the configured rate.
/// </summary>
internal sealed class AddressRateLimiter
{
    private readonly double[] _tokens;
    private readonly double[] _updatedAt;
    private readonly double _perSecond;
    private readonly double _burst;

    public AddressRateLimiter(int buckets, double perSecond, double burst)
    {
        _tokens = new double[buckets];
        _updatedAt = new double[buckets];
        Array.Fill(_tokens, burst);
        _perSecond = perSecond;
        _burst = burst;
    }

    public bool TryTake(in NetAddress address, double now)
    {
        int index = (int)((uint)address.GetHashCode() % (uint)_tokens.Length);
        double tokens = Math.Min(_burst, _tokens[index] + (now - _updatedAt[index]) * _perSecond);
        _updatedAt[index] = now;
        if (tokens < 1)
        {
            _tokens[index] = tokens;
            return false;
        }
        _tokens[index] = tokens - 1;
        return true;
    }
}
