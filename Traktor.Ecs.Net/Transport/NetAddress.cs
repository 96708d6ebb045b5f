using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// An IP endpoint as a value: the address is always kept as 16 IPv6 bytes (IPv4 as ::ffff:a.b.c.d) so
/// that lookups, hashing and comparisons never allocate, unlike <see cref="IPEndPoint"/>. It also names the
/// <see cref="TransportKind"/> datagrams to it travel over: the same IP and port over UDP and over TCP are two
/// different addresses.
/// </summary>
public readonly struct NetAddress : IEquatable<NetAddress>
{
    private readonly ulong _high;
    private readonly ulong _low;

    /// <summary>The UDP or TCP port.</summary>
    public ushort Port { get; }

    /// <summary>How datagrams to this address travel (UDP for the default value).</summary>
    public TransportKind Kind { get; }

    /// <summary>The IPv6 scope id (0 for IPv4 and global addresses).</summary>
    public uint ScopeId { get; }

    /// <summary>Creates an address from 16 IPv6 bytes (network order), a port, a scope id and a transport kind.</summary>
    public NetAddress(ReadOnlySpan<byte> ipv6Bytes, ushort port, uint scopeId = 0, TransportKind kind = TransportKind.Udp)
    {
        if (ipv6Bytes.Length != 16) throw new ArgumentException("An IPv6 address has 16 bytes.", nameof(ipv6Bytes));
        _high = BinaryPrimitives.ReadUInt64BigEndian(ipv6Bytes);
        _low = BinaryPrimitives.ReadUInt64BigEndian(ipv6Bytes[8..]);
        Port = port;
        ScopeId = scopeId;
        Kind = kind;
    }

    private NetAddress(ulong high, ulong low, ushort port, uint scopeId, TransportKind kind = TransportKind.Udp)
    {
        _high = high;
        _low = low;
        Port = port;
        ScopeId = scopeId;
        Kind = kind;
    }

    /// <summary>The same IP address and port over another transport kind.</summary>
    public NetAddress WithKind(TransportKind kind) => new(_high, _low, Port, ScopeId, kind);

    /// <summary>True when this is an IPv4 address (stored IPv4-mapped).</summary>
    public bool IsIPv4 => _high == 0 && (_low >> 32) == 0xFFFF;

    /// <summary>
    /// True when the IP is the unspecified address (:: or 0.0.0.0), which a socket binds to (what <c>UdpTransport.Bind()</c>'s
    /// <c>LocalAddress</c> names) but nobody can be reached at: a reply would come from a real address.
    /// </summary>
    public bool IsUnspecified => _high == 0 && (_low == 0 || _low == 0x0000_FFFF_0000_0000);

    /// <summary>
    /// Refuses a UDP server address with the unspecified IP (the <c>[::]:port</c> a server's <c>LocalAddress</c> names after
    /// <c>UdpTransport.Bind()</c>): datagrams sent there reach the local host, but its answers come from a real address the
    /// client does not know, so the attempt would only time out.
    /// Also checked where tokens naming servers are made (sessions, token issuers), so the mistake shows where it is made.
    /// </summary>
    internal static void RequireReachable(IReadOnlyList<NetAddress> servers, string parameter)
    {
        foreach (var server in servers)
        {
            if (server.Kind == TransportKind.Udp && server.IsUnspecified)
            {
                throw new ArgumentException($"{server} is the unspecified address a socket binds to, not one a server can be reached at: "
                    + $"use its loopback or network address (e.g. 127.0.0.1:{server.Port} on this machine).", parameter);
            }
        }
    }

    /// <summary>True for the default value (no address).</summary>
    public bool IsNone => _high == 0 && _low == 0 && Port == 0;

    /// <summary>The same IP address with another port (0 names the IP alone, for per-IP bookkeeping).</summary>
    public NetAddress WithPort(ushort port) => new(_high, _low, port, ScopeId);

    /// <summary>Creates an address from an <see cref="IPEndPoint"/> (allocation-free after the endpoint exists).</summary>
    public static NetAddress FromEndPoint(IPEndPoint endPoint, TransportKind kind = TransportKind.Udp)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        var address = endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // Written IPv4-mapped in place: MapToIPv6 made a new IPAddress and its array, twice per accepted stream or
            // WebSocket (the gate's and the upgrade's), for bytes known without it.
            bytes[..10].Clear();
            bytes[10] = bytes[11] = 0xFF;
            address.TryWriteBytes(bytes[12..], out _);
            return new NetAddress(bytes, (ushort)endPoint.Port, 0, kind);
        }
        address.TryWriteBytes(bytes, out _);
        return new NetAddress(bytes, (ushort)endPoint.Port, address.IsIPv6LinkLocal ? (uint)address.ScopeId : 0, kind);
    }

    /// <summary>
    /// Parses "host:port" and "[v6]:port" literals (no name resolution) as UDP addresses, and the same after a
    /// "udp://", "tcp://" or "ws://" prefix for that transport kind (the form <see cref="ToString"/> writes).
    /// </summary>
    /// <exception cref="FormatException">Anything else, with a message that names the text and the accepted forms.</exception>
    public static NetAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // IPEndPoint's own message ("An invalid IPEndPoint was specified.") names neither the text nor why: the usual
        // mistakes are a host name ("ws://localhost:40002"), a URL path or a "wss://" scheme, so the message says each.
        if (!TryParse(text, out var address))
        {
            throw new FormatException(
                $"'{text}' is not a network address: write an IP literal and a port, optionally after udp://, tcp:// or ws:// " +
                "(\"127.0.0.1:40000\", \"ws://[::1]:40002\"). Host names are not resolved here (resolve them with " +
                "System.Net.Dns first), a URL path is not part of an address, and a TLS WebSocket is a ws:// address with " +
                "WebSocketConnectOptions.UseTls on the client.");
        }

        return address;
    }

    /// <summary>
    /// Parses like <see cref="Parse"/>; false for anything else (no name resolution, no exception: for text from outside).
    /// </summary>
    public static bool TryParse(string? text, out NetAddress address)
    {
        address = default;
        if (text is null) return false;
        var kind = TransportKind.Udp;
        ReadOnlySpan<char> rest = text;
        foreach (var (prefix, prefixKind) in Prefixes)
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                kind = prefixKind;
                rest = text.AsSpan(prefix.Length);
                break;
            }
        }

        if (!IPEndPoint.TryParse(rest, out var endPoint)) return false;
        address = FromEndPoint(endPoint, kind);
        return true;
    }

    private static readonly (string Prefix, TransportKind Kind)[] Prefixes =
        [("udp://", TransportKind.Udp), ("tcp://", TransportKind.Tcp), ("ws://", TransportKind.WebSocket)];

    /// <summary>Converts back to an <see cref="IPEndPoint"/> (allocates; for logs and setup only).</summary>
    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        if (IsIPv4) return new IPEndPoint(new IPAddress(bytes[12..]), Port);
        return new IPEndPoint(new IPAddress(bytes, ScopeId), Port);
    }

    /// <summary>The IP address alone (port, scope and transport kind ignored), for per-address bookkeeping.</summary>
    internal UInt128 IpKey => new(_high, _low);

    /// <summary>
    /// The network the address belongs to, for per-subnet bookkeeping: the /24 of an IPv4 address, the /64 of an IPv6
    /// one (the smallest block a single home or host is usually given).
    /// </summary>
    internal UInt128 SubnetKey => IsIPv4 ? new UInt128(_high, _low & ~0xFFUL) : new UInt128(_high, 0);

    /// <summary>Writes the 16 IPv6 bytes (network order).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>Reads an address from a <see cref="SocketAddress"/> filled by the socket, without allocating.</summary>
    public static bool TryRead(SocketAddress socketAddress, out NetAddress address)
    {
        var buffer = socketAddress.Buffer.Span;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when socketAddress.Size >= 8:
            {
                ushort port = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
                uint v4 = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
                address = new NetAddress(0, 0xFFFF_0000_0000UL | v4, port, 0);
                return true;
            }
            case AddressFamily.InterNetworkV6 when socketAddress.Size >= 28:
            {
                ushort port = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
                ulong high = BinaryPrimitives.ReadUInt64BigEndian(buffer[8..]);
                ulong low = BinaryPrimitives.ReadUInt64BigEndian(buffer[16..]);
                uint scope = BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]);
                address = new NetAddress(high, low, port, scope);
                return true;
            }
            default:
                address = default;
                return false;
        }
    }

    /// <summary>
    /// Writes this address into a reusable <see cref="SocketAddress"/> of the socket's family
    /// (IPv4 sockets only accept IPv4 addresses).
    /// </summary>
    public bool TryWrite(SocketAddress socketAddress)
    {
        var buffer = socketAddress.Buffer.Span;
        if (socketAddress.Family == AddressFamily.InterNetwork)
        {
            if (!IsIPv4) return false;
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], Port);
            BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], (uint)_low);
            buffer[8..16].Clear();
            return true;
        }
        if (socketAddress.Family != AddressFamily.InterNetworkV6) return false;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], Port);
        buffer[4..8].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(buffer[8..], _high);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[16..], _low);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[24..], ScopeId);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(NetAddress other) =>
        _high == other._high && _low == other._low && Port == other.Port && ScopeId == other.ScopeId && Kind == other.Kind;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_high, _low, Port, ScopeId, Kind);

    /// <summary>Equality.</summary>
    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    /// <summary>"a.b.c.d:port" or "[v6]:port" for UDP; with a "tcp://" or "ws://" prefix for the stream kinds.</summary>
    public override string ToString() => Kind switch
    {
        TransportKind.Tcp => "tcp://" + ToEndPoint(),
        TransportKind.WebSocket => "ws://" + ToEndPoint(),
        _ => ToEndPoint().ToString(),
    };
}
