using System.Net;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Converting an accepted peer's endpoint to a <see cref="NetAddress"/>, which every accepted stream and WebSocket does.</summary>
public class NetAddressAllocationTests
{
    [Fact]
    public void An_IPv4_endpoint_converts_without_allocating_to_its_mapped_address()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40001);
        var address = NetAddress.FromEndPoint(endPoint, TransportKind.Tcp);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) address = NetAddress.FromEndPoint(endPoint, TransportKind.Tcp);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated); // before: a mapped IPAddress and its array each time (80 B)
        Assert.Equal(new NetAddress(endPoint.Address.MapToIPv6().GetAddressBytes(), 40001, 0, TransportKind.Tcp), address);
        Assert.True(address.IsIPv4);
        Assert.Equal("tcp://203.0.113.7:40001", address.ToString());
        Assert.Equal(endPoint, address.ToEndPoint());
    }
}
