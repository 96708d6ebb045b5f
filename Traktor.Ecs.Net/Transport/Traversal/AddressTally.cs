namespace Traktor.Ecs.Net.Transport.Traversal;

/// <summary>
/// How many entries of a table each source holds, keyed by its IPv4 address or IPv6 /64 (whatever the port), so one
/// party cannot fill a shared table alone. Holds a key only while its count is above zero: never more keys than the
/// table it counts has entries.
/// </summary>
internal sealed class AddressTally
{
    private readonly Dictionary<UInt128, int> _counts = new();

    private static UInt128 Key(in NetAddress address) => address.IsIPv4 ? address.IpKey : address.SubnetKey;

    /// <summary>Counts one more entry for <paramref name="address"/> unless it holds <paramref name="limit"/> already.</summary>
    public bool TryAdd(in NetAddress address, int limit)
    {
        var key = Key(address);
        _counts.TryGetValue(key, out int count);
        if (count >= limit) return false;
        _counts[key] = count + 1;
        return true;
    }

    /// <summary>Counts one entry of <paramref name="address"/> fewer.</summary>
    public void Remove(in NetAddress address)
    {
        var key = Key(address);
        if (!_counts.TryGetValue(key, out int count)) return;
        if (count <= 1) _counts.Remove(key);
        else _counts[key] = count - 1;
    }
}
