using System.Net;
using System.Net.Sockets;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetClient"/> and <see cref="NetServer"/> tell the UDP transport where each poll begins, so the end a short or
/// empty <c>recvmmsg</c> marks is exact: it holds for the rest of its poll (no further system call, however the receives
/// are interleaved) and never for the next one (however the previous poll ended).
/// </summary>
public class UdpPollBoundaryTests
{
    private static bool Batched => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [Fact]
    public void A_client_that_never_sends_reads_in_its_next_update_what_waited_after_a_budget_ended_poll()
    {
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        // Never connected: it receives and sends nothing, so no send clears a short batch's end.
        using var client = new NetClient(socket, new NetClientOptions { ProtocolId = 1, Insecure = true, MaxDatagramsPerUpdate = 2 });
        using var sender = NewSender();

        sender.SendTo(new byte[] { 0xFF, 1 }, socket.LocalEndPoint);
        sender.SendTo(new byte[] { 0xFF, 2 }, socket.LocalEndPoint);
        WaitUntilQueued(socket);
        client.Update(); // both in one short batch: the budget ends the poll on the second, before its end is seen
        Assert.Equal(0, socket.Socket.Available);

        sender.SendTo(new byte[] { 0xFF, 3 }, socket.LocalEndPoint);
        WaitUntilQueued(socket);
        client.Update();

        // Before: the update took the last poll's end for its own and left the datagram in the socket.
        Assert.Equal(0, socket.Socket.Available);
    }

    [Fact]
    public void A_composite_poll_asks_an_empty_udp_socket_once_however_many_datagrams_the_other_transport_has()
    {
        using var udp = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var stream = new QueuedTransport(TransportKind.Tcp, datagrams: 6);
        using var composite = new CompositeTransport(udp, stream);
        using var client = new NetClient(composite, new NetClientOptions { ProtocolId = 1, Insecure = true });
        using var sender = NewSender();

        client.Update(); // the UDP socket is empty: the turns go to the other transport
        Assert.Equal(0, stream.Pending);
        // Before: one recvmmsg for every turn the composite gave the UDP socket (7 in this poll).
        Assert.Equal(Batched ? 1 : 0, udp.BatchReceiveCalls);

        sender.SendTo(new byte[] { 0xFF, 1 }, udp.LocalEndPoint);
        WaitUntilQueued(udp);
        stream.Add(6);
        client.Update(); // a short batch of one, then the other transport's turns
        Assert.Equal(0, stream.Pending);
        Assert.Equal(0, udp.Socket.Available);
        Assert.Equal(Batched ? 2 : 0, udp.BatchReceiveCalls);
    }

    [Fact]
    public void A_send_in_the_middle_of_a_server_poll_costs_no_extra_receive_call()
    {
        using var udp = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var stream = new QueuedTransport(TransportKind.Tcp, datagrams: 0);
        using var composite = new CompositeTransport(udp, stream);
        using var server = new NetServer(composite, new NetServerOptions { ProtocolId = 1, Insecure = true });
        using var sender = NewSender();

        sender.SendTo(new byte[] { 0xFF, 1 }, udp.LocalEndPoint);
        WaitUntilQueued(udp);
        stream.Add(3, sendThrough: udp, to: NetAddress.FromEndPoint((IPEndPoint)sender.LocalEndPoint!));
        server.Receive();

        Assert.Equal(0, stream.Pending);
        Assert.Equal(3, stream.Sent);
        // Before: each send cleared the short batch's end, and the next turn of the UDP socket asked the kernel again.
        Assert.Equal(Batched ? 1 : 0, udp.BatchReceiveCalls);
    }

    private static void WaitUntilQueued(UdpTransport socket)
    {
        // Loopback delivers within the sending call, in order; this only guards against a slow scheduler. (Linux reports
        // the size of the next datagram waiting, not of all of them.)
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (socket.Socket.Available == 0 && DateTime.UtcNow < deadline) Thread.Sleep(1);
    }

    private static Socket NewSender()
    {
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return sender;
    }

    /// <summary>A transport of another kind with datagrams queued in memory; each one it hands out may send a UDP datagram first.</summary>
    private sealed class QueuedTransport(TransportKind kind, int datagrams) : IDatagramTransport
    {
        private UdpTransport? _sendThrough;
        private NetAddress _to;

        public int Pending { get; private set; } = datagrams;

        public int Sent { get; private set; }

        public NetAddress LocalAddress { get; } = new NetAddress(IPAddress.Loopback.MapToIPv6().GetAddressBytes(), 9, kind: kind);

        public void Add(int count, UdpTransport? sendThrough = null, NetAddress to = default)
        {
            Pending += count;
            _sendThrough = sendThrough;
            _to = to;
        }

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => true;

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            source = new NetAddress(IPAddress.Loopback.MapToIPv6().GetAddressBytes(), 10, kind: LocalAddress.Kind);
            length = 0;
            if (Pending == 0) return false;
            Pending--;
            if (_sendThrough is { } udp && udp.TrySend(new byte[] { 0xFE }, _to)) Sent++;
            buffer[0] = 0xFF;
            buffer[1] = 0;
            length = 2;
            return true;
        }

        public void Dispose()
        {
        }
    }
}
