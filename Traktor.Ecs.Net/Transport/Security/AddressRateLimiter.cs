namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Token buckets for pre-connection packets in two fixed tables indexed by two independent hashes of the source
/// address: memory never grows with the number of sources, one busy address is held to the configured rate, and a
/// spoofed flood spread over many addresses only limits an innocent address if it drains both of its buckets.
/// Buckets and penalties belong to a source's IPv4 address or IPv6 /64, whatever its port (<see cref="SourceKey"/>).
/// A penalty (after a protocol violation) refuses an IP address, whatever its port, until it expires; it lives in
/// two more fixed tables indexed by hashes of the IP, and only an address whose two entries are both penalised is
/// refused, so an innocent address shares the penalty only if both of its entries collide with offenders'.
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
    private readonly double[] _penaltyUntil;

    public AddressRateLimiter(int tableSize, double perSecond, double burst)
    {
        _tableSize = tableSize;
        _tokens = new double[2 * tableSize];
        _updatedAt = new double[2 * tableSize];
        Array.Fill(_tokens, burst);
        _penaltyUntil = new double[2 * tableSize];
        _perSecond = perSecond;
        _burst = burst;
    }

    /// <summary>Refuses every packet from <paramref name="address"/>'s IP (its /64 for IPv6; any port) until <paramref name="until"/>.</summary>
    public void Penalise(in NetAddress address, double until)
    {
        var (a, b) = PenaltyIndexes(address);
        _penaltyUntil[a] = Math.Max(_penaltyUntil[a], until);
        _penaltyUntil[b] = Math.Max(_penaltyUntil[b], until);
    }

    /// <summary>True while <paramref name="address"/>'s IP is penalised.</summary>
    public bool IsPenalised(in NetAddress address, double now)
    {
        var (a, b) = PenaltyIndexes(address);
        return _penaltyUntil[a] > now && _penaltyUntil[b] > now;
    }

    private (int A, int B) PenaltyIndexes(in NetAddress address)
    {
        var source = SourceKey(address);
        return ((int)((uint)HashCode.Combine(_seedB, source) % (uint)_tableSize),
            _tableSize + (int)((uint)HashCode.Combine(_seedA, source) % (uint)_tableSize));
    }

    /// <summary>
    /// Whom a bucket belongs to: an IPv4 address, or an IPv6 /64 (the block one subscriber is given), whatever the
    /// port. Keyed by the port too, one host sending from many ports had a bucket per port: 500 requests from 500
    /// ports of 127.0.0.5 drew 500 challenges from a real server (20 from one port), and 4,096 registers filled an
    /// introducer's rendezvous table at once.
    /// </summary>
    private static UInt128 SourceKey(in NetAddress address) => address.IsIPv4 ? address.IpKey : address.SubnetKey;

    /// <summary>Takes a token from <paramref name="address"/>'s buckets (its IPv4 address or IPv6 /64, any port); false when both are empty or it is penalised.</summary>
    public bool TryTake(in NetAddress address, double now)
    {
        if (IsPenalised(address, now)) return false;
        var source = SourceKey(address);
        int a = (int)((uint)HashCode.Combine(_seedA, source) % (uint)_tableSize);
        int b = _tableSize + (int)((uint)HashCode.Combine(_seedB, source) % (uint)_tableSize);
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
