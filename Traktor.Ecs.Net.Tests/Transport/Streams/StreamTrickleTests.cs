using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A stream kept alive by a trickle: one byte of a frame every 2 s that never completes it (TCP: a length header and
/// then the announced bytes one by one; WebSocket: a masked binary frame's header and then its payload byte by byte).
/// The peer is a real client whose stream a relay takes over (real loopback sockets, virtual time), once the client is
/// connected and once while its handshake is under way. The server must cut the stream within the written budget,
/// counting from the last complete datagram: connected, the protocol's <see cref="NetPeerOptions.Timeout"/> (10 s, reason
/// <see cref="DisconnectReason.TimedOut"/>) and the transport's <see cref="StreamTransportOptions.CloseLinger"/> (1 s);
/// not connected, the transport's <see cref="StreamTransportOptions.HandshakeTimeout"/> (10 s); and the transport's
/// <see cref="StreamTransportOptions.IdleTimeout"/> (30 s) whatever the protocol's timeout. A TCP stream counted any byte
/// as activity, so with a protocol timeout above 30 s the trickle held the stream past its idle deadline.
/// </summary>
public sealed class StreamTrickleTests
{
    private const double Step = 0.1;
    private const double TrickleEvery = 2;

    public enum Wire { Tcp, WebSocket }

    [Theory]
    [InlineData(Wire.Tcp)]
    [InlineData(Wire.WebSocket)]
    public void A_connected_peer_trickling_a_frame_it_never_completes_is_cut_at_the_protocol_timeout(Wire wire)
    {
        using var fixture = new Fixture(wire, new NetServerOptions { Insecure = true, PrivateKey = null, ProtocolId = 7 });
        fixture.ConnectThenTakeOver(muteAfterFirstReply: false);
        Assert.Equal(1, fixture.Server.ConnectionCount);

        double freedAfter = fixture.TrickleUntilFreed(out var reasons);

        Assert.Equal([DisconnectReason.TimedOut], reasons);
        Assert.InRange(freedAfter, 9, 10 + 1 + 3 * Step); // the protocol timeout, then the linger
        Assert.Equal(0, fixture.Counters.IdleTimeouts + fixture.Counters.HandshakeTimeouts);
        Assert.True(fixture.ServerClosedTheStream());
    }

    [Theory]
    [InlineData(Wire.Tcp)]
    [InlineData(Wire.WebSocket)]
    public void A_peer_trickling_during_its_handshake_is_cut_at_the_handshake_deadline(Wire wire)
    {
        using var fixture = new Fixture(wire, new NetServerOptions { Insecure = true, PrivateKey = null, ProtocolId = 7 });
        fixture.ConnectThenTakeOver(muteAfterFirstReply: true);
        Assert.Equal(0, fixture.Server.ConnectionCount);

        double freedAfter = fixture.TrickleUntilFreed(out var reasons);

        Assert.Empty(reasons); // never connected
        Assert.InRange(freedAfter, 1, 10 + 3 * Step); // counted from the stream's opening, a little before
        Assert.Equal(1, fixture.Counters.HandshakeTimeouts);
        Assert.True(fixture.ServerClosedTheStream());
    }

    /// <summary>
    /// With a protocol timeout of 60 s (a server for players on poor links), the transport's 30 s idle deadline is the
    /// one that frees the stream. A TCP stream refreshed it with every byte, so the trickle kept the stream, its 80 KiB of
    /// buffers and its per-address count until the connection timed out at 60 s (before); now it is closed at 30 s.
    /// </summary>
    [Theory]
    [InlineData(Wire.Tcp)]
    [InlineData(Wire.WebSocket)]
    public void A_connected_peer_trickling_loses_its_stream_at_the_idle_deadline_under_a_longer_protocol_timeout(Wire wire)
    {
        using var fixture = new Fixture(wire, new NetServerOptions { Insecure = true, PrivateKey = null, ProtocolId = 7, Timeout = TimeSpan.FromSeconds(60) });
        fixture.ConnectThenTakeOver(muteAfterFirstReply: false);
        Assert.Equal(1, fixture.Server.ConnectionCount);

        double streamFreedAfter = fixture.TrickleUntil(() => fixture.StreamCount == 0, 70, out _);

        Assert.InRange(streamFreedAfter, 30, 30 + 3 * Step);
        Assert.Equal(1, fixture.Counters.IdleTimeouts);
        Assert.True(fixture.ServerClosedTheStream());
    }

    /// <summary>A NetServer over one stream transport, an honest client reaching it through a relay, all on one fake clock.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero));
        private readonly Wire _wire;
        private readonly IDatagramTransport _serverTransport;
        private readonly NetClient _client;
        private readonly IEnumerator<byte> _trickle;

        public Fixture(Wire wire, NetServerOptions options)
        {
            _wire = wire;
            _serverTransport = wire == Wire.Tcp
                ? TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), time: _time)
                : WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), time: _time);
            Server = new NetServer(_serverTransport, options, _time, ownsTransport: true);
            var endPoint = _serverTransport is TcpTransport tcp ? tcp.LocalEndPoint! : ((WebSocketServerTransport)_serverTransport).LocalEndPoint;
            Relay = new ByteRelay(endPoint);
            IDatagramTransport clientTransport = wire == Wire.Tcp ? TcpTransport.CreateClient(time: _time) : WebSocketClientTransport.CreateClient(time: _time);
            _client = new NetClient(clientTransport, new NetClientOptions { ProtocolId = 7, Insecure = true }, _time, ownsTransport: true);
            _trickle = Trickle(wire).GetEnumerator();
        }

        public NetServer Server { get; }

        public ByteRelay Relay { get; }

        public StreamTransportCounters Counters => _serverTransport is TcpTransport tcp ? tcp.Counters : ((WebSocketServerTransport)_serverTransport).Counters;

        public int StreamCount => _serverTransport is TcpTransport tcp ? tcp.StreamCount : ((WebSocketServerTransport)_serverTransport).StreamCount;

        /// <summary>
        /// Connects the client through the relay, then stops forwarding its bytes: once it is connected, or (muted after
        /// the server's first reply: the challenge over TCP, the 101 over WebSocket) while its handshake is under way.
        /// </summary>
        public void ConnectThenTakeOver(bool muteAfterFirstReply)
        {
            var kind = _wire == Wire.Tcp ? TransportKind.Tcp : TransportKind.WebSocket;
            _client.ConnectInsecure(NetAddress.FromEndPoint(Relay.EndPoint, kind), 1);
            var wall = System.Diagnostics.Stopwatch.StartNew();
            while (wall.Elapsed < TimeSpan.FromSeconds(20))
            {
                _time.Advance(TimeSpan.FromMilliseconds(2));
                _client.Update();
                Relay.Pump();
                Thread.Sleep(2);
                Server.Update();
                Relay.Pump();
                if (muteAfterFirstReply ? Relay.RepliedToClient : _client.State == ClientState.Connected && Server.ConnectionCount == 1) break;
            }
            Relay.ForwardClient = false;
            Assert.True(muteAfterFirstReply ? Relay.RepliedToClient : _client.State == ClientState.Connected);
            while (StreamCount == 0 && wall.Elapsed < TimeSpan.FromSeconds(20)) Server.Update(); // a WebSocket reaches the game loop after its 101
            Assert.Equal(1, StreamCount);
            while (Server.TryPollEvent(out _)) { }
        }

        /// <summary>The server closed (or reset) the stream the relay took over.</summary>
        public bool ServerClosedTheStream()
        {
            Relay.Server!.Blocking = true;
            return PeerSockets.Closed(Relay.Server);
        }

        /// <summary>Trickles until the server holds nothing for the peer; the virtual seconds that took.</summary>
        public double TrickleUntilFreed(out List<DisconnectReason> reasons) =>
            TrickleUntil(() => StreamCount == 0 && Server.ConnectionCount == 0, 40, out reasons);

        /// <summary>
        /// From now (the last complete datagram), sends one byte of the never-ending frame every 2 s and runs the server
        /// every 100 ms until <paramref name="done"/>; the virtual seconds that took (fails after <paramref name="limit"/>).
        /// </summary>
        public double TrickleUntil(Func<bool> done, double limit, out List<DisconnectReason> reasons)
        {
            reasons = [];
            double elapsed = 0, nextByte = 0;
            while (!done())
            {
                Assert.True(elapsed < limit, $"still held after {limit} s");
                if (elapsed >= nextByte && Relay.Server!.Connected)
                {
                    Assert.True(_trickle.MoveNext());
                    try
                    {
                        Relay.SendToServer([_trickle.Current]);
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        // the server cut it
                    }
                    nextByte += TrickleEvery;
                    Thread.Sleep(2);
                }
                _time.Advance(TimeSpan.FromSeconds(Step));
                elapsed += Step;
                Server.Update();
                while (Server.TryPollEvent(out var e))
                    if (e.Type == NetEventType.Disconnected) reasons.Add(e.Reason);
            }
            return elapsed;
        }

        /// <summary>The bytes of one frame announcing 1,000 bytes, which the trickle never gets to the end of.</summary>
        private static IEnumerable<byte> Trickle(Wire wire)
        {
            if (wire == Wire.Tcp)
            {
                yield return 1000 >> 8;
                yield return 1000 & 0xFF;
            }
            else
            {
                yield return 0x82; // FIN, binary
                yield return 0x80 | 126; // masked, 16-bit length
                yield return 1000 >> 8;
                yield return 1000 & 0xFF;
                foreach (byte b in new byte[] { 1, 2, 3, 4 }) yield return b; // the mask
            }
            for (int i = 0; i < 1000; i++) yield return (byte)i;
        }

        public void Dispose()
        {
            _client.Dispose();
            Relay.Dispose();
            Server.Dispose();
        }
    }
}
