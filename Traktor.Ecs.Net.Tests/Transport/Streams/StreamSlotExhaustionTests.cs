using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Streams;
using Traktor.Ecs.Net.Web.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// One party trying to take every slot of a stream transport over real loopback sockets, from many addresses of one
/// network (Linux routes all of 127.0.0.0/8 to loopback, so 127.0.1.x is another /24 than the honest 127.0.0.1): TCP
/// streams that never handshake, and on the WebSocket transport TCP connections that never finish their HTTP request or
/// keep a finished non-upgrade request alive. An honest player from elsewhere must still get in.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class StreamSlotExhaustionTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    /// <summary>The longest wait for the server: it only guards against a hang.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    /// <summary>Connects from 127.0.1.<paramref name="host"/> (one /24 the attacker holds) to <paramref name="server"/>.</summary>
    private static Socket ConnectFrom(int host, IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.1.{host}"), 0));
        socket.Connect(server);
        return socket;
    }

    [Fact]
    public void Idle_tcp_streams_from_one_network_cannot_take_every_slot()
    {
        using var server = TcpTransport.Listen(Loopback, new StreamTransportOptions { MaxConnections = 16, MaxConnectionsPerAddress = 2, MaxConnectionsPerSubnet = 4 });
        // 8 addresses of 127.0.1.0/24, 2 streams each: within the per-address limit, 16 in all, never a byte sent.
        var hostile = new List<Socket>();
        try
        {
            for (int host = 1; host <= 8; host++)
            for (int i = 0; i < 2; i++) hostile.Add(ConnectFrom(host, server.LocalEndPoint!));
            var buffer = new byte[64];
            var clock = Stopwatch.StartNew();
            while (server.Counters.Accepted + server.Counters.Refused < 16 && clock.Elapsed < Hang)
            {
                server.TryReceive(buffer, out _, out _);
                Thread.Sleep(1);
            }
            Assert.Equal(4, server.Counters.Accepted);
            Assert.Equal(12, server.Counters.Refused);

            using var honest = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            honest.Connect(server.LocalEndPoint!);
            honest.Send([0, 3, 1, 2, 3]);
            int length = 0;
            NetAddress source = default;
            clock.Restart();
            while (length == 0 && clock.Elapsed < Hang)
            {
                if (!server.TryReceive(buffer, out length, out source)) Thread.Sleep(1);
            }
            Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..length]);
            Assert.Equal(IPAddress.Loopback, source.ToEndPoint().Address);
            Assert.Equal(5, server.StreamCount);
        }
        finally
        {
            hostile.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Half_sent_and_kept_alive_requests_from_one_network_cannot_keep_an_honest_player_from_upgrading()
    {
        // Kestrel takes MaxConnections + AcceptsPerPass = 12 connections; the network may upgrade 4 (+ the gate's slack).
        // The transport's clock stands still, so what closes the unfinished requests here is the network's limit, never the
        // gate's request timeout (5 s), however long a loaded machine takes to get through the test.
        using var server = WebSocketServerTransport.Listen(Loopback,
            new StreamTransportOptions { MaxConnections = 8, AcceptsPerPass = 4, MaxConnectionsPerAddress = 2, MaxConnectionsPerSubnet = 4 },
            time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var hostile = new List<Socket>();
        try
        {
            for (int host = 1; host <= 12; host++)
            {
                var halfSent = ConnectFrom(host, server.LocalEndPoint);
                SendUnlessClosed(halfSent, "GET /traktor HTTP/1.1\r\nHost: x\r\n"); // never finished
                hostile.Add(halfSent);
                var keptAlive = ConnectFrom(host, server.LocalEndPoint);
                SendUnlessClosed(keptAlive, "GET /traktor HTTP/1.1\r\nHost: x\r\n\r\n"); // answered 426, then idle
                hostile.Add(keptAlive);
            }
            // Every answer but an upgrade closes its connection (at once, not after Kestrel's 130 s keep-alive).
            Assert.True(PeerSockets.Closed(hostile[1]));

            using var honest = new ClientWebSocket();
            await honest.ConnectAsync(server.Url, TestContext.Current.CancellationToken);
            Assert.Equal(WebSocketState.Open, honest.State);

            // Of the 12 half-sent requests, the network keeps at most its limit plus the gate's slack open (Kestrel
            // accepts in the background, so wait for it to reach them all); the rest were closed before any HTTP.
            var unfinished = hostile.Where((_, i) => i % 2 == 0).ToList();
            var open = unfinished.Where(s => !s.Poll(0, SelectMode.SelectRead)).ToList(); // readable: closed by the server
            var clock = Stopwatch.StartNew();
            while (open.Count > 4 + ConnectionGate.Slack && clock.Elapsed < Hang)
            {
                // Wait for the server to close one more of them, not for a fixed time.
                var closed = new List<Socket>(open);
                Socket.Select(closed, null, null, Hang - clock.Elapsed);
                open.RemoveAll(closed.Contains);
            }
            Assert.InRange(open.Count, 1, 4 + ConnectionGate.Slack);
            Assert.True(server.Counters.Refused > 0);
        }
        finally
        {
            hostile.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void An_ipv6_network_counts_as_one_however_many_addresses_it_uses()
    {
        var counts = new AddressCounts();
        for (int i = 1; i <= 4; i++) Assert.True(counts.TryAdd(NetAddress.Parse($"[2001:db8:0:1::{i:x}]:1000"), perAddress: 2, perSubnet: 4));
        Assert.False(counts.TryAdd(NetAddress.Parse("[2001:db8:0:1:ffff::5]:1000"), perAddress: 2, perSubnet: 4));
        Assert.True(counts.TryAdd(NetAddress.Parse("[2001:db8:0:2::1]:1000"), perAddress: 2, perSubnet: 4));
        counts.Remove(NetAddress.Parse("[2001:db8:0:1::1]:1000"));
        Assert.True(counts.TryAdd(NetAddress.Parse("[2001:db8:0:1::99]:1000"), perAddress: 2, perSubnet: 4));
        Assert.True(counts.TryAdd(NetAddress.Parse("[2001:db8:0:3::1]:1000"), perAddress: 2, perSubnet: 4));
        Assert.True(counts.TryAdd(NetAddress.Parse("[2001:db8:0:3::1]:1001"), perAddress: 2, perSubnet: 4));
        Assert.False(counts.TryAdd(NetAddress.Parse("[2001:db8:0:3::1]:1002"), perAddress: 2, perSubnet: 4));
    }

    /// <summary>
    /// Sends an attacker's bytes; a connection the server already refused (closed before any HTTP: reset) is what the
    /// server may do to it, so a send that meets the reset is not the test's failure.
    /// </summary>
    private static void SendUnlessClosed(Socket socket, string request)
    {
        try
        {
            socket.Send(Encoding.ASCII.GetBytes(request));
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            // refused by the gate before this send
        }
    }
}
