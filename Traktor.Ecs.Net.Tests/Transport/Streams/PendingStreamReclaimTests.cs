using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Tcp;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A TCP stream needs no connect token, so streams that connect and never speak could hold every slot: each for its
/// whole handshake timeout (10 s), opened again as it closed, from enough addresses to pass the per-address and
/// per-network limits (128 addresses in 32 networks for the default 1,024). With every slot taken, the oldest accepted
/// stream that has gone <see cref="StreamTransportOptions.PendingReclaimDelay"/> (3 s) without a handshake now makes
/// room for a new one; before, the new one was refused.
/// </summary>
public sealed class PendingStreamReclaimTests
{
    [Fact]
    public void With_every_stream_taken_by_silent_ones_a_new_stream_takes_the_oldest_silent_ones_slot()
    {
        using var fixture = new Fixture(new StreamTransportOptions { MaxConnections = 4 });
        var (server, time) = (fixture.Server, fixture.Time);

        // Four silent streams from four addresses fill the table, two at first and two 2 s later; a fifth is refused
        // as before (none is 3 s old).
        for (int i = 1; i <= 4; i++)
        {
            if (i == 3) time.Advance(TimeSpan.FromSeconds(2));
            fixture.Open($"127.0.1.{i}");
            fixture.Poll(() => server.Counters.Accepted == i);
        }

        Assert.Equal(4, server.StreamCount);
        fixture.Open("127.0.2.1");
        fixture.Poll(() => server.Counters.Refused == 1);
        Assert.Equal((4L, 1L, 4), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount));

        // 1.5 s later the first two are 3.5 s old without a handshake: two newcomers take their slots, oldest first.
        time.Advance(TimeSpan.FromSeconds(1.5));
        fixture.Open("127.0.2.2");
        fixture.Poll(() => server.Counters.Accepted == 5);
        Assert.Equal((5L, 1L, 4, 1L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
        Assert.True(PeerSockets.Closed(fixture.Sockets[0])); // the first one, closed by the server
        fixture.Open("127.0.2.3");
        fixture.Poll(() => server.Counters.Accepted == 6);

        // Then no stream is old enough (two are 1.5 s old, two new): the next newcomer is refused.
        fixture.Open("127.0.2.4");
        fixture.Poll(() => server.Counters.Refused == 2);
        Assert.Equal((6L, 2L, 4, 2L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
    }

    /// <summary>
    /// The reclaim ran before the per-address and per-network limits, so a newcomer those limits refused still closed
    /// the oldest silent stream on its way out: an address at its limit could knock out other addresses' streams
    /// (the ones still inside their handshake) at its connection rate without ever holding more than its share.
    /// </summary>
    [Fact]
    public void A_newcomer_its_address_limit_refuses_closes_no_silent_stream()
    {
        using var fixture = new Fixture(new StreamTransportOptions { MaxConnections = 4, MaxConnectionsPerAddress = 1 });
        var server = fixture.Server;
        for (int i = 1; i <= 4; i++)
        {
            fixture.Open($"127.0.1.{i}");
            fixture.Poll(() => server.Counters.Accepted == i);
        }
        fixture.Time.Advance(TimeSpan.FromSeconds(3.5));

        fixture.Open("127.0.1.4"); // its address already holds its one stream
        fixture.Poll(() => server.Counters.Refused == 1);

        Assert.Equal((4L, 1L, 4, 0L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
        Assert.False(PeerSockets.Closed(fixture.Sockets[0], seconds: 0.2)); // the oldest silent stream is still open
    }

    [Fact]
    public void The_silent_time_before_a_stream_may_be_reclaimed_is_an_option()
    {
        using var fixture = new Fixture(new StreamTransportOptions { MaxConnections = 2, PendingReclaimDelay = TimeSpan.FromSeconds(1) });
        var server = fixture.Server;
        fixture.Open("127.0.1.1");
        fixture.Open("127.0.1.2");
        fixture.Poll(() => server.Counters.Accepted == 2);
        fixture.Time.Advance(TimeSpan.FromSeconds(1.5)); // under the 3 s default, over the 1 s asked for

        fixture.Open("127.0.1.3");
        fixture.Poll(() => server.Counters.Accepted == 3);

        Assert.Equal((3L, 0L, 2, 1L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
        Assert.Equal(TimeSpan.FromSeconds(3), new StreamTransportOptions().PendingReclaimDelay);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_reclaim_delay_that_is_not_positive_is_refused(double seconds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { PendingReclaimDelay = TimeSpan.FromSeconds(seconds) }));

    /// <summary>A TCP server on loopback with a fake clock, and raw sockets bound to chosen loopback addresses.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly byte[] _buffer = new byte[64];

        public Fixture(StreamTransportOptions options)
        {
            Server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), options, Time);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

        public TcpTransport Server { get; }

        public List<Socket> Sockets { get; } = new();

        /// <summary>Receive passes until <paramref name="until"/> holds (at most 30 s: a hang guard).</summary>
        public void Poll(Func<bool> until)
        {
            var deadline = Stopwatch.StartNew();
            do Server.TryReceive(_buffer, out _, out _);
            while (!until() && deadline.Elapsed.TotalSeconds < 30);
        }

        public Socket Open(string source)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            socket.Connect(Server.LocalEndPoint!);
            Sockets.Add(socket);
            return socket;
        }

        public void Dispose()
        {
            foreach (var socket in Sockets) socket.Dispose();
            Server.Dispose();
        }
    }
}
