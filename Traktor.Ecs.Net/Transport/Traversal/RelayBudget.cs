namespace Traktor.Ecs.Net.Transport.Traversal;

/// <summary>Two token buckets, datagrams and bytes per second, each with a burst of one second's worth.</summary>
internal struct RelayBudget
{
    private double _packets;
    private double _bytes;
    private double _updatedAt;

    public RelayBudget(double packetsPerSecond, double bytesPerSecond, double now)
    {
        _packets = packetsPerSecond;
        _bytes = bytesPerSecond;
        _updatedAt = now;
    }

    /// <summary>Takes one datagram of <paramref name="length"/> bytes; false (and nothing taken) when either bucket is short.</summary>
    public bool TryTake(int length, double packetsPerSecond, double bytesPerSecond, double now)
    {
        double elapsed = Math.Max(0, now - _updatedAt);
        _updatedAt = now;
        _packets = Math.Min(packetsPerSecond, _packets + elapsed * packetsPerSecond);
        _bytes = Math.Min(bytesPerSecond, _bytes + elapsed * bytesPerSecond);
        if (_packets < 1 || _bytes < length) return false;
        _packets -= 1;
        _bytes -= length;
        return true;
    }
}
