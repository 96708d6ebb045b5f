using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Tcp;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A client <see cref="TcpTransport"/>'s connect, failed at each of its steps by a test hook (<see cref="TcpConnectStep"/>):
/// whatever fails, the game loop sees a counted connect failure (<see cref="StreamTransportCounters.ConnectFailures"/>) that
/// holds off the next attempt for <see cref="StreamTransportOptions.ReconnectDelay"/>, and a <see cref="NetClient"/> over it
/// ends its attempt with <see cref="DisconnectReason.ConnectTimedOut"/>; never an exception out of a send or receive.
/// Real loopback sockets, a live listener behind each: only the hook makes the connect fail.
/// </summary>
public sealed class TcpConnectFailureTests
{
    private readonly byte[] _buffer = new byte[64];

    /// <summary>
    /// Failed before at <see cref="TcpConnectStep.Creating"/>: the socket was created outside the try, so an address family
    /// the host cannot use was thrown out of <see cref="TcpTransport.TrySend"/>; and at <see cref="TcpConnectStep.Connected"/>,
    /// a socket the server reset before its set-up was thrown out of <see cref="TcpTransport.TryReceive"/>.
    /// (<see cref="TcpConnectStep.Connecting"/> passed before: a SocketException there was already caught.)
    /// </summary>
    [Theory]
    [InlineData(nameof(TcpConnectStep.Creating), SocketError.AddressFamilyNotSupported)]
    [InlineData(nameof(TcpConnectStep.Connecting), SocketError.NetworkUnreachable)]
    [InlineData(nameof(TcpConnectStep.Connected), SocketError.InvalidArgument)]
    public void A_connect_failing_at_any_step_is_a_counted_failure_and_the_next_attempt_waits(string step, SocketError error)
    {
        var failing = Enum.Parse<TcpConnectStep>(step);
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var client = TcpTransport.CreateClient(time: time);
        int failures = 0;
        client.ConnectHook = at =>
        {
            if (at == failing && Interlocked.Increment(ref failures) == 1) throw new SocketException((int)error);
        };
        var target = server.LocalAddress;

        bool queued = client.TrySend([1], target); // nothing thrown at the game loop
        Assert.Equal(failing == TcpConnectStep.Connected, queued); // a connect under way queues; one failed at once does not
        PollUntil(() => client.Counters.ConnectFailures == 1, client);
        Assert.Equal((1L, 0, 0L), (client.Counters.ConnectFailures, client.StreamCount, client.Counters.Accepted));

        Assert.False(client.TrySend([2], target)); // held off until the reconnect delay has passed
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(client.TrySend([3], target)); // the hook fails once: this attempt connects
        var received = new List<byte>();
        PollUntil(() =>
        {
            while (server.TryReceive(_buffer, out int length, out _)) received.AddRange(_buffer.AsSpan(0, length).ToArray());
            return received.Count > 0;
        }, client);
        Assert.Equal(new byte[] { 3 }, received);
        Assert.Equal((1L, 1L), (client.Counters.ConnectFailures, client.Counters.Accepted));
    }

    /// <summary>
    /// A <see cref="NetClient"/> whose transport cannot create the socket (an IPv6 server on a host without IPv6) ends its
    /// attempt with <see cref="DisconnectReason.ConnectTimedOut"/>. Failed before: its first <see cref="NetClient.Update"/>
    /// threw the <see cref="SocketException"/> out of the game loop.
    /// </summary>
    [Fact]
    public void A_net_client_whose_socket_cannot_be_created_ends_its_attempt_with_connect_timed_out()
    {
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var time = new FakeTimeProvider(TransportHarness.Start);
        var transport = TcpTransport.CreateClient(time: time);
        transport.ConnectHook = at =>
        {
            if (at == TcpConnectStep.Creating) throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        };
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

    /// <summary>Polls <paramref name="client"/> until <paramref name="done"/> holds (wall-clock bounded: the sockets are real).</summary>
    private void PollUntil(Func<bool> done, TcpTransport client)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            while (client.TryReceive(_buffer, out _, out _)) { }
            Thread.Sleep(1);
        }
    }
}
