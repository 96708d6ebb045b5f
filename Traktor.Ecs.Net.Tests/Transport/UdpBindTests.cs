using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="UdpTransport.Bind(IPEndPoint, Microsoft.Extensions.Logging.ILogger?)"/>: a server that must listen on one
/// address of the machine (a LAN interface, loopback) binds there, not on every address as <c>Bind(port)</c> does.
/// </summary>
public class UdpBindTests
{
    [Fact]
    public void Binding_an_endpoint_listens_on_that_address_at_the_port_the_os_chose()
    {
        using var socket = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.Equal(IPAddress.Loopback, socket.LocalEndPoint.Address);
        Assert.NotEqual(0, socket.LocalEndPoint.Port);
        Assert.Equal(NetAddress.FromEndPoint(socket.LocalEndPoint), socket.LocalAddress);

        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sender.SendTo(new byte[] { 1, 2, 3 }, socket.LocalEndPoint);
        Assert.True(socket.Socket.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead)); // readable: the datagram arrived

        Span<byte> buffer = stackalloc byte[16];
        Assert.True(socket.TryReceive(buffer, out int length, out var source));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..length].ToArray());
        Assert.Equal(NetAddress.FromEndPoint((IPEndPoint)sender.LocalEndPoint!), source);
    }

    [Fact]
    public void Binding_an_endpoint_another_socket_holds_throws_address_in_use()
    {
        using var first = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var error = Assert.Throws<AddressInUseException>(() => UdpTransport.Bind(first.LocalEndPoint));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }
}
