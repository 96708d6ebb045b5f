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
    /// <summary>True for a unicast IP address with a port; false for port 0, the unspecified, multicast and broadcast addresses.</summary>
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
            // 0.0.0.0/8 is "this network" (0.0.0.0 reaches the sender's own machine), 224.0.0.0/4 multicast, 255.255.255.255 broadcast.
            return bytes[0] != 0 && bytes[0] is < 224 or > 239 && !ip.Equals(IPAddress.Broadcast);
        }

        return !ip.Equals(IPAddress.IPv6Any) && !ip.IsIPv6Multicast;
    }
}
