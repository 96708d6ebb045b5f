namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>
/// Open streams per remote IP address and per network (/24 for IPv4, /64 for IPv6; port and transport kind ignored),
/// for the stream transports' connection limits. Counting the network as well as the address matters because one
/// party usually holds a whole network: an IPv6 subscriber gets a /64 (2^64 addresses), so a per-address limit alone
/// would let it take every stream. Entries exist only for open streams, so memory is bounded by the stream count.
/// </summary>
internal sealed class AddressCounts
{
    private readonly Dictionary<UInt128, int> _perAddress = new();
    private readonly Dictionary<UInt128, int> _perSubnet = new();

    /// <summary>
    /// Counts one more stream from <paramref name="address"/>; false (nothing counted) when its address already has
    /// <paramref name="perAddress"/> or its network <paramref name="perSubnet"/>.
    /// </summary>
    public bool TryAdd(in NetAddress address, int perAddress, int perSubnet)
    {
        if (_perAddress.GetValueOrDefault(address.IpKey) >= perAddress) return false;
        if (_perSubnet.GetValueOrDefault(address.SubnetKey) >= perSubnet) return false;
        _perAddress[address.IpKey] = _perAddress.GetValueOrDefault(address.IpKey) + 1;
        _perSubnet[address.SubnetKey] = _perSubnet.GetValueOrDefault(address.SubnetKey) + 1;
        return true;
    }

    /// <summary>Gives back what <see cref="TryAdd"/> counted for <paramref name="address"/>.</summary>
    public void Remove(in NetAddress address)
    {
        Decrement(_perAddress, address.IpKey);
        Decrement(_perSubnet, address.SubnetKey);
    }

    private static void Decrement(Dictionary<UInt128, int> counts, UInt128 key)
    {
        if (!counts.TryGetValue(key, out int count)) return;
        if (count <= 1) counts.Remove(key);
        else counts[key] = count - 1;
    }
}
