using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Traversal;

/// <summary>
/// The bytes of NAT traversal packets (docs/PROTOCOL.md §14). They travel beside the connection protocol on the same
/// socket, marked by prefix byte 0x0F (packet type 15, reserved by the connection protocol, so no connection packet
/// ever starts with it); <see cref="NatTraversal"/> takes them out before the connection layer sees the datagram.
/// </summary>
internal static class TraversalLayout
{
    /// <summary>The first byte of every traversal packet.</summary>
    public const byte Prefix = 0x0F;

    /// <summary>
    /// The traversal layer's own version (byte 1). 2: Punch and PunchAck carry a nonce and a tag. 3: a Register creates
    /// state only when it echoes the introducer's cookie for its source (kind 7), so a spoofed source creates none.
    /// </summary>
    public const byte Version = 3;

    /// <summary>Prefix, version, kind.</summary>
    public const int HeaderSize = 3;

    /// <summary>An endpoint: 16 IPv6 bytes and a big-endian port.</summary>
    public const int EndpointSize = 18;

    /// <summary>Register: header, role, 16-byte rendezvous id, zero padding to 128 bytes, so that both replies together are smaller.</summary>
    public const int RegisterSize = 128;

    /// <summary>Where a Register carries the cookie it echoes (zeros when it has none): after the role and the rendezvous id.</summary>
    public const int RegisterCookieOffset = HeaderSize + 1 + 16;

    /// <summary>The introducer's cookie: a truncated HMAC-SHA256 of the source endpoint, the rendezvous id and the role.</summary>
    public const int CookieSize = 16;

    /// <summary>Cookie: header, rendezvous id, the cookie a Register from that source must echo.</summary>
    public const int CookiePacketSize = HeaderSize + 16 + CookieSize;

    /// <summary>Registered: header, rendezvous id, the observed endpoint.</summary>
    public const int RegisteredSize = HeaderSize + 16 + EndpointSize;

    /// <summary>Introduce: header, rendezvous id, route id, the other peer's endpoint, the receiver's endpoint.</summary>
    public const int IntroduceSize = HeaderSize + 16 + 8 + 2 * EndpointSize;

    /// <summary>The truncated HMAC-SHA256 tag of a Punch or PunchAck.</summary>
    public const int TagSize = 16;

    /// <summary>Punch and PunchAck: header, route id, the punching peer's nonce, the tag over all of it.</summary>
    public const int PunchSize = HeaderSize + 8 + 8 + TagSize;

    /// <summary>The bytes a Punch's tag covers (everything before it).</summary>
    public const int PunchSignedSize = PunchSize - TagSize;

    /// <summary>Relay: header, route id, then the sealed datagram.</summary>
    public const int RelayHeaderSize = HeaderSize + 8;

    /// <summary>The packet kinds (byte 2).</summary>
    public const byte Register = 1, Registered = 2, Introduce = 3, Punch = 4, PunchAck = 5, Relay = 6, Cookie = 7;

    /// <summary>The role byte of a Register.</summary>
    public const byte RoleHost = 0, RoleJoiner = 1;

    /// <summary>True when <paramref name="datagram"/> is a traversal packet of this version (its kind in byte 2).</summary>
    public static bool IsTraversal(ReadOnlySpan<byte> datagram) => datagram.Length >= HeaderSize && datagram[0] == Prefix && datagram[1] == Version;

    public static void WriteHeader(Span<byte> destination, byte kind)
    {
        destination[0] = Prefix;
        destination[1] = Version;
        destination[2] = kind;
    }

    public static void WriteEndpoint(Span<byte> destination, in NetAddress address)
    {
        address.WriteBytes(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], address.Port);
    }

    public static NetAddress ReadEndpoint(ReadOnlySpan<byte> source) => new(source[..16], BinaryPrimitives.ReadUInt16BigEndian(source[16..]));
}
