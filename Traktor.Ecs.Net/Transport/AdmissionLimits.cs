namespace Traktor.Ecs.Net.Transport;

/// <summary>Which admission limit a new connection would break; the narrowest one first.</summary>
internal enum AdmissionScope : byte
{
    /// <summary>Connections from the same IP address (any port, any transport kind).</summary>
    Address,
    /// <summary>Connections from the same /24 (IPv4) or /64 (IPv6).</summary>
    Subnet,
    /// <summary>Every connection: the server is full.</summary>
    Server,
}

/// <summary>
/// Connections per IP address and per subnet (/24 for IPv4, /64 for IPv6), so one party cannot take every slot
/// (<see cref="NetServerOptions.MaxConnectionsPerAddress"/>, <see cref="NetServerOptions.MaxConnectionsPerSubnet"/>).
/// Entries exist only for connected clients, so memory is bounded by the slot count.
/// </summary>
internal sealed class AdmissionLimits
{
    private readonly Dictionary<UInt128, int> _perAddress = new();
    private readonly Dictionary<UInt128, int> _perSubnet = new();
    private readonly int _maxPerAddress;
    private readonly int _maxPerSubnet;

    public AdmissionLimits(int maxPerAddress, int maxPerSubnet)
    {
        _maxPerAddress = maxPerAddress;
        _maxPerSubnet = maxPerSubnet;
    }

    /// <summary>The narrowest limit one more connection from <paramref name="address"/> would break; null when none.</summary>
    public AdmissionScope? Exceeded(in NetAddress address)
    {
        if (_perAddress.GetValueOrDefault(address.IpKey) >= _maxPerAddress) return AdmissionScope.Address;
        if (_perSubnet.GetValueOrDefault(address.SubnetKey) >= _maxPerSubnet) return AdmissionScope.Subnet;
        return null;
    }

    /// <summary>True when <paramref name="other"/> counts against the same <paramref name="scope"/> as <paramref name="address"/>.</summary>
    public static bool SameScope(AdmissionScope scope, in NetAddress address, in NetAddress other) => scope switch
    {
        AdmissionScope.Address => address.IpKey == other.IpKey,
        AdmissionScope.Subnet => address.SubnetKey == other.SubnetKey,
        _ => true,
    };

    public void Add(in NetAddress address)
    {
        Increment(_perAddress, address.IpKey);
        Increment(_perSubnet, address.SubnetKey);
    }

    public void Remove(in NetAddress address)
    {
        Decrement(_perAddress, address.IpKey);
        Decrement(_perSubnet, address.SubnetKey);
    }

    private static void Increment(Dictionary<UInt128, int> counts, UInt128 key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Decrement(Dictionary<UInt128, int> counts, UInt128 key)
    {
        if (!counts.TryGetValue(key, out int count)) return;
        if (count <= 1) counts.Remove(key);
        else counts[key] = count - 1;
    }
}
