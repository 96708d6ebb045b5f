using Traktor.Ecs.Net;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>The TCP transport's framing and budgets against raw sockets that do what a hostile peer would.</summary>
[Collection(nameof(MemoryMeasuringTests))]
public class TcpTransportTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    private static Socket RawConnect(TcpTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(server.LocalEndPoint!);
        return socket;
    }

    /// <summary>Polls the server until <paramref name="done"/> holds (wall-clock bounded; sockets are real).</summary>
    private static List<(byte[] Data, NetAddress Source)> PollUntil(TcpTransport server, Func<List<(byte[] Data, NetAddress Source)>, bool> done, double seconds = 5,
        List<(byte[] Data, NetAddress Source)>? into = null)
    {
        var received = into ?? [];
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (!done(received) && clock.Elapsed.TotalSeconds < seconds)
        {
            while (server.TryReceive(buffer, out int length, out var source)) received.Add((buffer[..length], source));
            Thread.Sleep(1);
        }
        return received;
    }

    /// <summary>Sends <paramref name="data"/>; a socket the server reset already (it refused it) fails the send, which is fine.</summary>
    private static void SendIfOpen(Socket socket, byte[] data)
    {
        try
        {
            socket.Send(data);
        }
        catch (SocketException)
        {
        }
    }

    [Fact]
    public void Partial_frames_are_reassembled_and_framing_violations_close_only_their_stream()
    {
        using var server = TcpTransport.Listen(Loopback);
        using var good = RawConnect(server);
        using var zero = RawConnect(server);
        using var huge = RawConnect(server);
        // A 3-byte datagram sent one byte at a time.
        var received = new List<(byte[] Data, NetAddress Source)>();
        foreach (byte b in new byte[] { 0, 3, 7, 8, 9 })
        {
            good.Send([b]);
            PollUntil(server, _ => false, 0.01, received);
        }
        zero.Send([0, 0]);
        huge.Send([0xFF, 0xFF, 1, 2, 3]);
        PollUntil(server, r => r.Count == 1 && server.Counters.FramingViolations == 2, into: received);
        Assert.Equal(new byte[] { 7, 8, 9 }, Assert.Single(received).Data);
        Assert.Equal(TransportKind.Tcp, received[0].Source.Kind);
        Assert.Equal(2, server.Counters.FramingViolations);
        Assert.True(PeerSockets.Closed(zero));
        Assert.True(PeerSockets.Closed(huge));
        good.Send([0, 1, 42]);
        Assert.Equal(42, Assert.Single(PollUntil(server, r => r.Count == 1)).Data[0]);
        Assert.Equal(1, server.StreamCount);
    }

    [Fact]
    public void Connections_beyond_the_per_address_and_total_limits_are_refused_at_once()
    {
        using var server = TcpTransport.Listen(Loopback, new StreamTransportOptions { MaxConnectionsPerAddress = 2, MaxConnections = 3 });
        var sockets = Enumerable.Range(0, 4).Select(_ => RawConnect(server)).ToList();
        try
        {
            PollUntil(server, _ => server.Counters.Accepted + server.Counters.Refused == 4);
            Assert.Equal(2, server.Counters.Accepted);
            Assert.Equal(2, server.Counters.Refused);

            // Which two were refused is the server's choice: every socket sends a datagram, the server hears the two it
            // accepted, and the other two are closed (awaited as such: before, each socket was given a second to close,
            // which also held the test two seconds on the two left open).
            for (int i = 0; i < sockets.Count; i++) SendIfOpen(sockets[i], [0, 1, (byte)i]);
            var heard = PollUntil(server, r => r.Count == 2, seconds: 30).Select(r => (int)r.Data[0]).ToHashSet();
            Assert.Equal(2, heard.Count);
            Assert.All(sockets.Where((_, i) => !heard.Contains(i)), s => Assert.True(PeerSockets.Closed(s)));
            Assert.Equal(2, server.StreamCount);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void A_stream_on_which_no_connection_is_established_is_closed_after_the_handshake_deadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var server = TcpTransport.Listen(Loopback, time: time);
        using var idle = RawConnect(server);
        using var kept = RawConnect(server);
        idle.Send([0, 1, 1]);
        kept.Send([0, 1, 2]);
        var received = PollUntil(server, r => r.Count == 2);
        server.OnPeerConnected(received.Single(r => r.Data[0] == 2).Source);
        time.Advance(TimeSpan.FromSeconds(11));
        PollUntil(server, _ => server.Counters.HandshakeTimeouts == 1);
        Assert.Equal(1, server.Counters.HandshakeTimeouts);
        Assert.True(PeerSockets.Closed(idle));
        Assert.Equal(1, server.StreamCount);

        // The established stream is closed only after the protocol ends it and the linger passes.
        server.OnPeerDisconnected(received.Single(r => r.Data[0] == 2).Source);
        PollUntil(server, _ => false, 0.05);
        Assert.Equal(1, server.StreamCount);
        time.Advance(TimeSpan.FromSeconds(2));
        PollUntil(server, _ => server.StreamCount == 0);
        Assert.True(PeerSockets.Closed(kept));
    }

    [Fact]
    public void A_peer_that_never_reads_costs_the_server_a_bounded_send_buffer()
    {
        using var server = TcpTransport.Listen(Loopback);
        using var reader = RawConnect(server);
        reader.ReceiveBufferSize = 4096;
        reader.Send([0, 1, 1]);
        var source = PollUntil(server, r => r.Count == 1)[0].Source;
        var datagram = new byte[1000];
        int accepted = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && server.TrySend(datagram, source)) accepted++;
        Assert.True(server.Counters.DroppedSendBufferFull > 0 || clock.Elapsed >= TimeSpan.FromSeconds(10));
        Assert.Equal(1, server.Counters.DroppedSendBufferFull);
        // The kernel's buffers plus our 64 KiB: a few MB at most, never unbounded.
        Assert.InRange(accepted, 1, 20_000);
    }

    [Fact]
    public void Steady_state_send_and_receive_allocate_nothing()
    {
        using var server = TcpTransport.Listen(Loopback);
        using var client = TcpTransport.CreateClient();
        var serverAddress = NetAddress.FromEndPoint(server.LocalEndPoint!, TransportKind.Tcp);
        var payload = new byte[100];
        var buffer = new byte[1200];
        void RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var clientAddress = DatagramDelivery.Deliver(client, serverAddress, server, payload, buffer, pumpSender: true);
                DatagramDelivery.Deliver(server, clientAddress, client, payload, buffer);
            }
        }
        RoundTrips(200);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrips(2000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_client_cannot_reach_a_closed_port_and_retries_only_after_the_reconnect_delay()
    {
        int closedPort;
        using (var probe = TcpTransport.Listen(Loopback)) closedPort = probe.LocalEndPoint!.Port;
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var client = TcpTransport.CreateClient(time: time);
        var target = NetAddress.Parse($"tcp://127.0.0.1:{closedPort}");
        Assert.True(client.TrySend([1], target)); // queued while connecting
        var buffer = new byte[64];
        var clock = Stopwatch.StartNew();
        while (client.Counters.ConnectFailures == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            client.TryReceive(buffer, out _, out _);
            Thread.Sleep(1);
        }
        Assert.Equal(1, client.Counters.ConnectFailures);
        Assert.False(client.TrySend([1], target));
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(client.TrySend([1], target));
    }

    [Fact]
    public void Datagrams_to_other_kinds_or_over_the_frame_limit_are_not_sent()
    {
        using var client = TcpTransport.CreateClient(new StreamTransportOptions { MaxFrameSize = 1200 });
        Assert.False(client.TrySend([1], NetAddress.Parse("127.0.0.1:9")));
        Assert.False(client.TrySend(new byte[1201], NetAddress.Parse("tcp://127.0.0.1:9")));
        Assert.False(client.TrySend([], NetAddress.Parse("tcp://127.0.0.1:9")));
    }
}
