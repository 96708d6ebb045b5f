using System.Diagnostics;
using System.Net;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// <see cref="WebSocketConnectOptions"/> a <see cref="WebSocketClientTransport"/> cannot make a URI with are refused where
/// they are made, by <c>CreateClient</c> (a mistaken <see cref="WebSocketConnectOptions.TlsHostName"/>, a path too long
/// for a URI), so a connect never fails for its URI: validation makes the URI for the longest address once. What else
/// setting up can fail at (the channel's buffers) is a counted connect failure, never an exception at the game loop.
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

    /// <summary>
    /// Whatever options <c>CreateClient</c> accepts make a URI for any address, so a connect never fails for its URI: any path starting with '/' (any characters, up to 100,000 of them),
    /// with or without TLS, with any host name validation lets through or none (the address itself).
    /// </summary>
    [Fact]
    public void Every_path_and_host_name_that_validation_accepts_makes_a_uri()
    {
        string?[] names = [null, "game.example", "::1", "[::1]", "fe80::1", "203.0.113.7", "localhost", "xn--bcher-kva.example", "a-b.c"];
        var addresses = Gen.OneOf(
            Gen.UInt.Select(v => new IPEndPoint(new IPAddress(v), 443)),
            Gen.Select(Gen.Byte.Array[16], Gen.UInt, Gen.Int[0, IPEndPoint.MaxPort], (bytes, zone, port) => new IPEndPoint(new IPAddress(bytes, zone), port)));
        var paths = Gen.OneOf(Gen.String, Gen.String[Gen.Char, 0, 100_000], Gen.String[Gen.Char["/?#%[]@:\\ \u0000\uD800\uFFFF"], 0, 64]).Select(p => "/" + p);
        var hosts = Gen.Int[0, names.Length - 1].Select(i => names[i]); // null: the address itself is the host
        Gen.Select(paths, hosts, Gen.Bool, addresses).Sample((path, host, tls, remote) =>
        {
            var connect = new WebSocketConnectOptions { Path = path, TlsHostName = host, UseTls = tls };
            connect.Validate();
            var uri = connect.UriFor(remote);
            Assert.Equal(tls ? "wss" : "ws", uri.Scheme);
            Assert.Equal(remote.Port, uri.Port);
        }, iter: 300);
    }

    /// <summary>
    /// The address validation proves the URI with (the widest IPv6 zone and port) and the others the transport meets each
    /// make one, with the IPv6 address bracketed, so nothing but the options could make a connect fail to set up.
    /// </summary>
    [Theory]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295", 65535, "ws://[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fe80::1%3", 40000, "ws://[fe80::1")]
    [InlineData("203.0.113.7", 443, "ws://203.0.113.7:443/traktor")]
    public void Every_address_makes_a_uri(string address, int port, string start)
    {
        var connect = new WebSocketConnectOptions();
        connect.Validate();
        var uri = connect.UriFor(new IPEndPoint(IPAddress.Parse(address), port));
        Assert.StartsWith(start, uri.AbsoluteUri);
        Assert.Equal(port, uri.Port);
        Assert.Equal("/traktor", uri.AbsolutePath);
    }

    /// <summary>
    /// Setting up a connection on the game loop failing (the channel's buffers cannot be allocated) is a counted connect
    /// failure that holds off the next attempt for <see cref="StreamTransportOptions.ReconnectDelay"/>, after which the
    /// transport connects. Failed before: the exception was thrown out of <see cref="WebSocketClientTransport.TrySend"/>.
    /// </summary>
    [Fact]
    public void A_connection_failing_to_set_up_is_a_counted_failure_and_the_next_attempt_waits()
    {
        using var server = WebSocketServerTransport.Listen(Loopback);
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var client = WebSocketClientTransport.CreateClient(time: time);
        int failures = 0;
        client.OpenHook = () =>
        {
            if (++failures == 1) throw new InsufficientMemoryException("no room for the channel's buffers");
        };

        Assert.False(client.TrySend([1], server.LocalAddress)); // nothing thrown at the game loop
        Assert.Equal((1L, 0), (client.Counters.ConnectFailures, client.StreamCount));
        Assert.False(client.TrySend([2], server.LocalAddress)); // held off until the reconnect delay has passed
        Assert.Equal(1, failures);
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(client.TrySend([3], server.LocalAddress)); // the hook fails once: this attempt connects
        Assert.Equal(new byte[] { 3 }, ReceiveOne(server));
        Assert.Equal(1L, client.Counters.ConnectFailures);
    }

    /// <summary>
    /// A <see cref="NetClient"/> over a WebSocket transport that cannot set up its connection survives its updates and ends
    /// the attempt with <see cref="DisconnectReason.ConnectTimedOut"/>. Failed before: its first
    /// <see cref="NetClient.Update"/> threw out of the game loop.
    /// </summary>
    [Fact]
    public void A_net_client_whose_connection_cannot_be_set_up_ends_its_attempt_with_connect_timed_out()
    {
        using var server = WebSocketServerTransport.Listen(Loopback);
        var time = new FakeTimeProvider(TransportHarness.Start);
        var transport = WebSocketClientTransport.CreateClient(time: time);
        transport.OpenHook = () => throw new InsufficientMemoryException("no room for the channel's buffers");
        using var client = new NetClient(transport, new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, Insecure = true,
        }, time, ownsTransport: true);

        client.ConnectInsecure(server.LocalAddress, clientId: 7);
        for (int tick = 0; tick < 100 && client.State != ClientState.Disconnected; tick++)
        {
            client.Update();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.Equal((ClientState.Disconnected, DisconnectReason.ConnectTimedOut), (client.State, client.LastDisconnectReason));
        Assert.True(transport.Counters.ConnectFailures >= 1);
        Assert.Equal(0, transport.StreamCount);
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
