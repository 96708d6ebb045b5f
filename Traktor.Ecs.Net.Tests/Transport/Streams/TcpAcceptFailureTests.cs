using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport.Tcp;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The TCP listener's accept path, as the WebSocket one's: a connection lost between the listener and its stream is
/// counted (<see cref="StreamTransportCounters.AcceptFailures"/>) without ending the pass, and a failure once the limits
/// admitted it gives the address's slot back and ends the pass, as the server's own shortage does. A test hook fails each step (<see cref="TcpAcceptStep"/>).
/// </summary>
public sealed class TcpAcceptFailureTests
{
    private readonly byte[] _buffer = new byte[64];

    /// <summary>
    /// Failed before: counted nowhere (and a failing accept ended its pass, leaving the connections behind it queued
    /// for the next one).
    /// </summary>
    [Theory]
    [InlineData(nameof(TcpAcceptStep.Accepting))]
    [InlineData(nameof(TcpAcceptStep.Accepted))]
    public void A_connection_lost_before_its_stream_is_counted_and_the_pass_accepts_the_others(string step)
    {
        var failing = Enum.Parse<TcpAcceptStep>(step);
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        int failures = 0;
        server.AcceptHook = at =>
        {
            if (at == failing && Interlocked.Increment(ref failures) == 1) throw new SocketException((int)SocketError.ConnectionAborted);
        };
        using var first = Connect(server);
        using var second = Connect(server);
        using var third = Connect(server);

        // Failing at the accept leaves its connection queued, so all three are accepted; failing after it loses that one.
        int accepted = failing == TcpAcceptStep.Accepting ? 3 : 2;
        var deadline = DateTime.UtcNow.AddSeconds(30); // passes until the kernel has queued all three (loopback: at once)
        do server.TryReceive(_buffer, out _, out _);
        while (server.Counters.Accepted < accepted && DateTime.UtcNow < deadline);
        Assert.Equal((1L, (long)accepted, accepted, 0L), (server.Counters.AcceptFailures, server.Counters.Accepted, server.StreamCount, server.Counters.Refused));
    }

    /// <summary>
    /// The server out of descriptors or buffers is its own shortage, not a peer's: every accept behind it would fail alike, so
    /// the pass ends, an operator sees a Warning, and the next pass accepts the queued connections (failed before: the pass
    /// went on, as for a lost connection, logged at Debug only).
    /// </summary>
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets)]
    [InlineData(SocketError.NoBufferSpaceAvailable)]
    public void Running_out_of_descriptors_ends_the_pass_with_a_warning_and_the_next_pass_accepts(SocketError error)
    {
        var log = new CapturingLogger();
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), logger: log);
        int failures = 0;
        server.AcceptHook = at =>
        {
            if (at == TcpAcceptStep.Accepting && Interlocked.Increment(ref failures) == 1) throw new SocketException((int)error);
        };
        using var first = Connect(server);
        using var second = Connect(server);

        server.TryReceive(_buffer, out _, out _); // both are queued (loopback: once Connect returns); the failure ends the pass
        Assert.Equal((1L, 0L), (server.Counters.AcceptFailures, server.Counters.Accepted));
        lock (log.Lines) Assert.Contains(log.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains(error.ToString(), StringComparison.Ordinal));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        do server.TryReceive(_buffer, out _, out _);
        while (server.Counters.Accepted < 2 && DateTime.UtcNow < deadline);
        Assert.Equal((1L, 2L, 2), (server.Counters.AcceptFailures, server.Counters.Accepted, server.StreamCount));
    }

    /// <summary>
    /// A failure once the limits admitted a connection (the stream's constructor allocates its buffers) is counted, logged
    /// as a Warning and drops that connection, as the WebSocket listener answers 500: failed before, it was thrown at the game
    /// loop out of <see cref="TcpTransport.TryReceive"/> (and, earlier, the address's only slot stayed taken too).
    /// </summary>
    [Fact]
    public void A_failure_once_admitted_is_counted_not_thrown_and_gives_the_addresses_slot_back()
    {
        var log = new CapturingLogger();
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions { MaxConnectionsPerAddress = 1, MaxConnectionsPerSubnet = 1 }, logger: log);
        int failures = 0;
        server.AcceptHook = at =>
        {
            if (at == TcpAcceptStep.Admitted && Interlocked.Increment(ref failures) == 1) throw new InsufficientMemoryException("no room for the stream's buffers");
        };
        using (var failed = Connect(server))
        {
            Assert.False(server.TryReceive(_buffer, out _, out _)); // nothing thrown at the game loop
            Assert.Equal((1L, 0L, 0), (server.Counters.AcceptFailures, server.Counters.Accepted, server.StreamCount));
            Assert.True(PeerSockets.Closed(failed)); // its socket was closed, not left to a finalizer
        }
        lock (log.Lines) Assert.Contains(log.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains("127.0.0.1", StringComparison.Ordinal));

        using var next = Connect(server);
        server.TryReceive(_buffer, out _, out _);
        Assert.Equal((1L, 1, 0L), (server.Counters.Accepted, server.StreamCount, server.Counters.Refused));
    }

    /// <summary>
    /// A failure once admitted is the server's shortage, as running out of descriptors is: every connection behind it would
    /// fail alike, so the pass ends after one (one Warning) and the next pass accepts the others. Failed before: the pass
    /// went on, failing all three queued connections with a Warning and its stack each (3 failures, 3 Warnings).
    /// </summary>
    [Fact]
    public void A_failure_once_admitted_ends_the_pass_with_one_warning_and_the_next_pass_accepts()
    {
        var log = new CapturingLogger();
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), logger: log);
        bool shortOfMemory = true;
        server.AcceptHook = at =>
        {
            if (at == TcpAcceptStep.Admitted && Volatile.Read(ref shortOfMemory)) throw new InsufficientMemoryException("no room for the stream's buffers");
        };
        using var first = Connect(server);
        using var second = Connect(server);
        using var third = Connect(server);

        server.TryReceive(_buffer, out _, out _); // all three are queued (loopback: once Connect returns); the first failure ends the pass
        Assert.Equal((1L, 0L, 0), (server.Counters.AcceptFailures, server.Counters.Accepted, server.StreamCount));
        lock (log.Lines) Assert.Single(log.Lines, line => line.Level == LogLevel.Warning);

        Volatile.Write(ref shortOfMemory, false);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do server.TryReceive(_buffer, out _, out _);
        while (server.Counters.Accepted < 2 && DateTime.UtcNow < deadline);
        Assert.Equal((1L, 2L, 2), (server.Counters.AcceptFailures, server.Counters.Accepted, server.StreamCount));
    }

    /// <summary>A client socket whose connection is in the server's accept queue (loopback: once Connect returns).</summary>
    private static Socket Connect(TcpTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(server.LocalEndPoint!);
        return socket;
    }
}
