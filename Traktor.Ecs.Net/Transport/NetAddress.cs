using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// An IP endpoint as a value: the address is always kept as 16 IPv6 bytes (IPv4 as ::ffff:a.b.c.d) so
/// that lookups, hashing and comparisons never allocate, unlike <see cref="IPEndPoint"/>.
/// </summary>
public readonly struct NetAddress : IEquatable<NetAddress>
{
    private readonly ulong _high;
    private readonly ulong _low;

    /// <summary>The UDP port.</summary>
    public ushort Port { get; }

    /// <summary>The IPv6 scope id (0 for IPv4 and global addresses).</summary>
    public uint ScopeId { get; }

    /// <summary>Creates an address from 16 IPv6 bytes (network order), a port and a scope id.</summary>
    public NetAddress(ReadOnlySpan<byte> ipv6Bytes, ushort port, uint scopeId = 0)
    {
        if (ipv6Bytes.Length != 16) throw new ArgumentException("An IPv6 address has 16 bytes.", nameof(ipv6Bytes));
        _high = BinaryPrimitives.ReadUInt64BigEndian(ipv6Bytes);
        _low = BinaryPrimitives.ReadUInt64BigEndian(ipv6Bytes[8..]);
        Port = port;
        ScopeId = scopeId;
    }

    private NetAddress(ulong high, ulong low, ushort port, uint scopeId)
    {
        _high = high;
        _low = low;
        Port = port;
        ScopeId = scopeId;
    }

    /// <summary>True when this is an IPv4 address (stored IPv4-mapped).</summary>
    public bool IsIPv4 => _high == 0 && (_low >> 32) == 0xFFFF;

    /// <summary>True for the default value (no address).</summary>
    public bool IsNone => _high == 0 && _low == 0 && Port == 0;

    /// <summary>The same IP address with another port (0 names the IP alone, for per-IP bookkeeping).</summary>
    public NetAddress WithPort(ushort port) => new(_high, _low, port, ScopeId);

    /// <summary>Creates an address from an <see cref="IPEndPoint"/> (allocation-free after the endpoint exists).</summary>
    public static NetAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        var address = endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork) address = address.MapToIPv6();
        address.TryWriteBytes(bytes, out _);
        return new NetAddress(bytes, (ushort)endPoint.Port, address.IsIPv6LinkLocal ? (uint)address.ScopeId : 0);
    }

    /// <summary>Parses "host:port", "[v6]:port" literals (no name resolution).</summary>
    public static NetAddress Parse(string text) => FromEndPoint(IPEndPoint.Parse(text));

    /// <summary>Converts back to an <see cref="IPEndPoint"/> (allocates; for logs and setup only).</summary>
    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        if (IsIPv4) return new IPEndPoint(new IPAddress(bytes[12..]), Port);
        return new IPEndPoint(new IPAddress(bytes, ScopeId), Port);
    }

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
        _high == other._high && _low == other._low && Port == other.Port && ScopeId == other.ScopeId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_high, _low, Port, ScopeId);

    /// <summary>Equality.</summary>
    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => ToEndPoint().ToString();
}
