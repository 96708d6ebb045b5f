using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A <see cref="WebSocketClientTransport"/> whose connection cannot even be set up (a URI its options cannot make) fails
/// that connect as it fails a refused one: counted (<see cref="StreamTransportCounters.ConnectFailures"/>), the next
/// attempt held off for <see cref="StreamTransportOptions.ReconnectDelay"/>, never an exception out of the game loop's send.
/// A mistaken <see cref="WebSocketConnectOptions.TlsHostName"/> is refused where it is made, by <c>CreateClient</c>.
/// Real loopback WebSockets.
/// </summary>
public sealed class WebSocketConnectFailureTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    /// <summary>Failed before: <c>CreateClient</c> took it, and the first send threw a <see cref="UriFormatException"/>.</summary>
    [Theory]
    [InlineData("game.example:443")]
    [InlineData("wss://game.example")]
    [InlineData("bad host")]
    [InlineData("")]
    public void A_tls_host_name_that_is_not_a_host_name_is_refused_by_create_client(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketClientTransport.CreateClient(connect: new WebSocketConnectOptions { TlsHostName = name }));
        Assert.Equal(nameof(WebSocketConnectOptions.TlsHostName), error.ParamName);
    }

    /// <summary>
    /// An IPv6 literal as the host name (a certificate issued for the address) is written in brackets in the URI, and the
    /// connection goes through. Failed before: "::1" made an unparsable URI, thrown out of the first send.
    /// </summary>
    [Fact]
    public void An_ipv6_literal_as_tls_host_name_is_bracketed_in_the_uri()
    {
        using var server = WebSocketServerTransport.Listen(Loopback);
        using var client = WebSocketClientTransport.CreateClient(connect: new WebSocketConnectOptions { TlsHostName = "::1" });
        Assert.True(client.TrySend([4], server.LocalAddress));
        Assert.Equal(new byte[] { 4 }, ReceiveOne(server));
        Assert.Equal(0, client.Counters.ConnectFailures);
    }

    /// <summary>Polls the server until one datagram arrives (wall-clock bounded: the sockets are real).</summary>
    private static byte[]? ReceiveOne(WebSocketServerTransport server)
    {
        var buffer = new byte[64];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (server.TryReceive(buffer, out int length, out _)) return buffer[..length];
            Thread.Sleep(1);
        }
        return null;
    }
}
