using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HttpOverrides;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// Kestrel connection middleware: counts the TCP connections each client address holds (an IPv4 address, or an IPv6
/// /64, as every other budget counts them) as they are accepted, before a byte is read, and closes those beyond
/// <c>Online:MaxConnectionsPerAddress</c> at once. The request budgets act only once a request's headers have arrived,
/// so before the gate one address could hold as many connections as it could open within Kestrel's 30 s header timeout,
/// each sending a header line now and then (measured: 9,000 from one address, RSS +99 MiB). The load balancers'
/// addresses (<c>Online:ForwardedHeaders</c>) are not counted: their connections carry every client, and the client's
/// address is only known from <c>X-Forwarded-For</c>, after the headers (the load balancer must limit its clients).
/// </summary>
internal sealed class ConnectionGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _held = new();
    private readonly int _perAddress;
    private readonly ForwardedHeadersOptions? _proxies;
    private long _refused;
    private int _total;

    /// <summary>Creates the gate.</summary>
    /// <param name="perAddress">The most connections one address (IPv6: /64) holds at once.</param>
    /// <param name="proxies">The trusted proxies, whose connections are not counted; null when there are none.</param>
    public ConnectionGate(int perAddress, ForwardedHeadersOptions? proxies)
    {
        _perAddress = perAddress;
        _proxies = proxies;
    }

    /// <summary>Connections closed unread because their address held its limit.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Counted connections open now (those of trusted proxies are not counted).</summary>
    public int Held
    {
        get
        {
            lock (_lock) return _total;
        }
    }

    /// <summary>Runs <paramref name="next"/> for <paramref name="connection"/> if its address has room; closes it otherwise.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote || IsTrustedProxy(remote.Address))
        {
            await next(connection).ConfigureAwait(false); // a proxy's (or a test pipe's): not one client
            return;
        }
        var key = KeyOf(remote.Address);
        bool admitted;
        lock (_lock)
        {
            _held.TryGetValue(key, out int count);
            admitted = count < _perAddress;
            if (admitted)
            {
                _held[key] = count + 1;
                _total++;
            }
        }
        if (!admitted)
        {
            Interlocked.Increment(ref _refused);
            connection.Abort(); // before a byte is read: nothing for the client to hold on to
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false); // until the connection ends, with every request it carried
        }
        finally
        {
            lock (_lock)
            {
                _total--;
                if (_held[key] == 1)
                {
                    _held.Remove(key);
                }
                else
                {
                    _held[key]--;
                }
            }
        }
    }

    private bool IsTrustedProxy(IPAddress address)
    {
        if (_proxies is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var proxy in _proxies.KnownProxies)
        {
            if ((proxy.IsIPv4MappedToIPv6 ? proxy.MapToIPv4() : proxy).Equals(address))
            {
                return true;
            }
        }
        foreach (var network in _proxies.KnownIPNetworks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The counting key, as <see cref="ClientAddress.Group"/> counts: IPv4 alone, IPv6 by its /64.</summary>
    private static UInt128 KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            // Upper half all ones: ffff:ffff:ffff:ffff::/64 is multicast, never a client's, so no /64 shares the key.
            return new UInt128(ulong.MaxValue, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
        }
        address.TryWriteBytes(bytes, out _);
        return new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), 0); // the /64
    }
}
