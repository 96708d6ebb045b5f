using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// The key a client's address is counted under by rate limits and login throttling. An IPv4 address counts alone
/// (IPv4-mapped IPv6 is read as IPv4); an IPv6 address counts by its /64, because one subscriber usually holds a
/// whole /64 and could otherwise rotate through 2^64 addresses to get fresh budgets.
/// </summary>
internal static class ClientAddress
{
    /// <summary>The counting key of the request's client (after forwarded headers were applied by a trusted proxy).</summary>
    public static string Of(HttpContext context) => Group(context.Connection.RemoteIpAddress);

    /// <summary>The counting key of an address: <c>203.0.113.7</c>, or <c>2001:db8:1:2::/64</c> for IPv6.</summary>
    public static string Group(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
