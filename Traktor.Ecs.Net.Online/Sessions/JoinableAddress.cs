using System.Net;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>
/// Whether an address the directory puts in joiners' connect tokens is one a single host can be reached at. Every joiner's
/// client sends its handshake to each address of its token, so an address that is not one host's (the unspecified address,
/// which a client's own machine answers; a multicast group or the broadcast address, which every machine on the joiner's
/// network hears) would let whoever publishes it aim other players' traffic at their own machines and networks.
/// </summary>
internal static class JoinableAddress
{
    /// <summary>True for a unicast IP address with a port; false for port 0, the unspecified, multicast, reserved (240.0.0.0/4) and broadcast addresses.</summary>
    /// <param name="address">The address, IPv4, IPv6 or IPv4-mapped IPv6.</param>
    /// <param name="port">Its port.</param>
    /// <returns>Whether the address may go into a token.</returns>
    public static bool IsUnicast(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (port is <= 0 or > 65535)
        {
            return false;
        }

        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            ip.TryWriteBytes(bytes, out _);
            // 0.0.0.0/8 is "this network" (0.0.0.0 reaches the sender's own machine), 224.0.0.0/4 multicast, 240.0.0.0/4
            // reserved (no host has one; 255.255.255.255, the broadcast address, is in it).
            return bytes[0] is not 0 and < 224;
        }

        return !ip.Equals(IPAddress.IPv6Any) && !ip.IsIPv6Multicast;
    }

    /// <summary>
    /// True for a loopback address (127.0.0.0/8, ::1, or 127.x mapped to IPv6): a joiner's client would send its handshakes
    /// to the joiner's own machine, reaching whatever listens there, so a player host may publish one only where the
    /// directory allows it for development (<see cref="SessionDirectoryOptions.AllowLoopbackHostAddresses"/>).
    /// </summary>
    /// <param name="address">The address, IPv4, IPv6 or IPv4-mapped IPv6.</param>
    /// <returns>Whether it is a loopback address.</returns>
    public static bool IsLoopback(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }
}
