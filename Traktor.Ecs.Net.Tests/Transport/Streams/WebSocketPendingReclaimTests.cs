using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The WebSocket transport's connection slots are counted on Kestrel's threads before any HTTP is read, and had no
/// reclaim: TCP connections that never send a request (each held for the 5 s request timeout, then opened again), or
/// upgrades that never handshake (each held for the 10 s handshake timeout), from enough addresses to pass the
/// per-address and per-network limits, kept every player out. Now, with all connections (or all upgraded channels)
/// taken, the oldest one that has gone <see cref="StreamTransportOptions.PendingReclaimDelay"/> (3 s) without an
/// established connection is closed to admit a newcomer, as on TCP; before, the newcomer was refused.
/// </summary>
public sealed class WebSocketPendingReclaimTests : IDisposable
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly List<Socket> _sockets = new();

    [Fact]
    public void With_every_connection_taken_by_silent_ones_a_newcomer_takes_the_oldest_silent_ones_slot()
    {
        // The gate takes MaxConnections + AcceptsPerPass = 4 connections.
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = 2, AcceptsPerPass = 2 }, time: _time);
        // Four connections that never send a byte, at 0, 0.5 and 2.5 s (two).
        Open("127.0.1.1", server);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Open("127.0.1.2", server);
        _time.Advance(TimeSpan.FromSeconds(2));
        Open("127.0.1.3", server);
        Open("127.0.1.4", server);

        // None is 3 s old: a fifth is refused at once.
        var early = Open("127.0.2.1", server);
        Assert.True(PeerSockets.Closed(early));
        Assert.Equal(1, server.Counters.Refused);

        // 1 s later the first is 3.5 s old without a request: an honest upgrade takes its slot.
        _time.Advance(TimeSpan.FromSeconds(1));
        var honest = Open("127.0.0.1", server);
        honest.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(honest));
        Assert.True(PeerSockets.Closed(_sockets[0]));
        Assert.Equal((1L, 1L), (server.Counters.Refused, server.Counters.HandshakeTimeouts));
        Assert.False(PeerSockets.Closed(_sockets[2], seconds: 0.2)); // a younger one keeps its slot
    }

    [Fact]
    public void With_every_channel_upgraded_but_silent_a_newcomer_takes_the_oldest_silent_ones_place_never_an_established_one()
    {
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = 2, AcceptsPerPass = 4 }, time: _time);
        var established = Open("127.0.1.1", server);
        established.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(established));
        var silent = Open("127.0.1.2", server);
        silent.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(silent));

        // The game loop adopts both channels; the protocol establishes a connection on the first (the older) one.
        var buffer = new byte[64];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.StreamCount < 2 && DateTime.UtcNow < deadline) server.TryReceive(buffer, out _, out _);
        Assert.Equal(2, server.StreamCount);
        server.OnPeerConnected(NetAddress.FromEndPoint((IPEndPoint)established.LocalEndPoint!, TransportKind.WebSocket));

        // Every channel taken and none 3 s old: an upgrade is answered 503.
        var early = Open("127.0.2.1", server);
        early.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 503", ReadHead(early));

        // 3.5 s later the silent channel makes room for a newcomer; the established one, older, is kept.
        _time.Advance(TimeSpan.FromSeconds(3.5));
        var honest = Open("127.0.0.1", server);
        honest.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(honest));
        Assert.True(PeerSockets.Closed(silent));
        Assert.False(PeerSockets.Closed(established, seconds: 0.2));
        Assert.Equal(1L, server.Counters.HandshakeTimeouts);

        // The game loop adopts the newcomer and closes the reclaimed channel, whose socket the gate aborted: that close
        // is the reclaim already counted (a handshake timeout), not a peer that went away (it was counted as both).
        deadline = DateTime.UtcNow.AddSeconds(30);
        while ((server.Counters.Accepted < 3 || server.StreamCount != 2) && DateTime.UtcNow < deadline) server.TryReceive(buffer, out _, out _);
        Assert.Equal((3L, 2), (server.Counters.Accepted, server.StreamCount));
        Assert.Equal((1L, 0L), (server.Counters.HandshakeTimeouts, server.Counters.ClosedByPeer));
    }

    /// <summary>
    /// The gate, full, closes a silent upgraded channel for a newcomer: the channel's admission is given back then, under
    /// the admission lock, so the newcomer's upgrade finds it free. Before, it stayed taken until the game loop closed
    /// the channel, and an upgrade arriving in between was answered 503 with the slot already freed.
    /// </summary>
    [Fact]
    public void A_silent_channel_the_gate_closes_for_a_newcomer_gives_its_admission_back_at_once()
    {
        // The gate takes MaxConnections + AcceptsPerPass = 2 connections; one channel. The game loop is not polled.
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = 1, AcceptsPerPass = 1 }, time: _time);
        var silent = Open("127.0.1.1", server);
        silent.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(silent)); // upgraded, and never handshakes: it holds the one channel
        _time.Advance(TimeSpan.FromSeconds(0.5));
        var idle = Open("127.0.1.2", server); // no request: the gate is full
        _time.Advance(TimeSpan.FromSeconds(3.5));

        // The newcomer's connection takes the oldest silent one's place: the upgraded channel's.
        var honest = Open("127.0.0.1", server);
        Assert.True(PeerSockets.Closed(silent));
        honest.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 101", ReadHead(honest));
        Assert.Equal((0L, 1L), (server.Counters.Refused, server.Counters.HandshakeTimeouts));
        Assert.False(PeerSockets.Closed(idle, seconds: 0.2));

        // The game loop adopts both channels and closes the reclaimed one: counted once, its admission not given back twice.
        var buffer = new byte[64];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((server.Counters.Accepted < 2 || server.StreamCount != 1) && DateTime.UtcNow < deadline) server.TryReceive(buffer, out _, out _);
        Assert.Equal((2L, 1), (server.Counters.Accepted, server.StreamCount));
        Assert.Equal((1L, 0L), (server.Counters.HandshakeTimeouts, server.Counters.ClosedByPeer));
        var late = Open("127.0.3.1", server); // the gate has room again (the reclaimed connection ended): one channel, taken
        late.Send(Upgrade);
        Assert.StartsWith("HTTP/1.1 503", ReadHead(late));
    }

    /// <summary>The per-address and per-network limits come before the reclaim: a newcomer they refuse closes nobody's connection.</summary>
    [Fact]
    public void A_newcomer_its_address_limit_refuses_closes_no_silent_connection()
    {
        // The gate takes 8 connections; an address 1 + the gate's slack of 4.
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = 4, AcceptsPerPass = 4, MaxConnectionsPerAddress = 1 }, time: _time);
        for (int i = 0; i < 3; i++) Open("127.0.1.2", server); // the oldest
        _time.Advance(TimeSpan.FromSeconds(0.5));
        for (int i = 0; i < 5; i++) Open("127.0.1.1", server); // its address's limit, and the table is full
        _time.Advance(TimeSpan.FromSeconds(3.5));

        var refused = Open("127.0.1.1", server);
        Assert.True(PeerSockets.Closed(refused));
        Assert.Equal((1L, 0L), (server.Counters.Refused, server.Counters.HandshakeTimeouts));
        Assert.False(PeerSockets.Closed(_sockets[0], seconds: 0.2));
    }

    public void Dispose()
    {
        foreach (var socket in _sockets) socket.Dispose();
    }

    private Socket Open(string source, WebSocketServerTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(socket);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        long decided = server.ConnectionsDecided;
        socket.Connect(server.LocalEndPoint);
        // Kestrel admits connections on its own threads: the gate must have stamped this one (on the fake clock) before the
        // test moves the clock or opens the next. Before, a 50 ms sleep stood for that, which CI load can outlast.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.ConnectionsDecided == decided)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gate did not decide on the connection from {source} within 30 s");
            Thread.Sleep(1);
        }

        return socket;
    }

    /// <summary>The HTTP response's head, read until its blank line (or the connection's end).</summary>
    private static string ReadHead(Socket socket)
    {
        socket.ReceiveTimeout = 5000;
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && socket.Receive(one) == 1) head.Append((char)one[0]);
        return head.ToString();
    }
}
