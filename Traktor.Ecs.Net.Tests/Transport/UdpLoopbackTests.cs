using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Real sockets, on 127.0.0.1 and ::1 only.</summary>
[Collection(nameof(MemoryMeasuringTests))]
public class UdpLoopbackTests
{
    private const ulong Protocol = 77;

    /// <summary>The longest wait for a datagram or an error on loopback: it only guards against a hang.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private static (NetServer Server, UdpTransport Socket, ConnectTokenIssuer Issuer) StartServer(IPEndPoint bind, Func<int, NetAddress[]> publicAddresses)
    {
        var key = ConnectTokenIssuer.GenerateServerKey();
        var socket = new UdpTransport(bind);
        var server = new NetServer(socket, new NetServerOptions { ProtocolId = Protocol, PrivateKey = key, PublicAddresses = publicAddresses(socket.LocalEndPoint.Port) });
        return (server, socket, new ConnectTokenIssuer(key, Protocol));
    }

    private static bool Loop(Func<bool> done, NetServer server, params NetClient[] clients)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Hang)
        {
            foreach (var c in clients) c.Update();
            server.Update();
            if (done()) return true;
            Thread.Sleep(1);
        }
        return false;
    }

    private static void ExchangeReliably(NetServer server, NetClient client, int count)
    {
        Span<byte> message = stackalloc byte[4];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message, i);
            Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, message));
        }
        int received = 0;
        Assert.True(Loop(() =>
        {
            while (server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Message) Assert.Equal(received++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
            }
            return received == count;
        }, server, client));
    }

    [Fact]
    public void Secure_client_and_server_talk_over_IPv4_loopback()
    {
        var (server, socket, issuer) = StartServer(new IPEndPoint(IPAddress.Loopback, 0), port => [NetAddress.Parse($"127.0.0.1:{port}")]);
        using var serverSocket = socket;
        using var _ = server;
        using var clientSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new NetClient(clientSocket, new NetClientOptions { ProtocolId = Protocol });
        client.Connect(issuer.Issue(1, [], TimeSpan.FromMinutes(1), [socket.LocalEndPoint]));
        Assert.True(Loop(() => client.State == ClientState.Connected, server, client));
        ExchangeReliably(server, client, 5000);
    }

    [Fact]
    public void Dual_mode_server_accepts_IPv4_and_IPv6_clients()
    {
        var (server, socket, issuer) = StartServer(new IPEndPoint(IPAddress.IPv6Any, 0),
            port => [NetAddress.Parse($"127.0.0.1:{port}"), NetAddress.Parse($"[::1]:{port}")]);
        using var serverSocket = socket;
        using var _ = server;
        int port = socket.LocalEndPoint.Port;
        using var v4Socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var v6Socket = new UdpTransport(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        using var v4 = new NetClient(v4Socket, new NetClientOptions { ProtocolId = Protocol });
        using var v6 = new NetClient(v6Socket, new NetClientOptions { ProtocolId = Protocol });
        v4.Connect(issuer.Issue(4, [], TimeSpan.FromMinutes(1), [new IPEndPoint(IPAddress.Loopback, port)]));
        v6.Connect(issuer.Issue(6, [], TimeSpan.FromMinutes(1), [new IPEndPoint(IPAddress.IPv6Loopback, port)]));
        Assert.True(Loop(() => v4.State == ClientState.Connected && v6.State == ClientState.Connected, server, v4, v6));
        var addresses = new List<NetAddress>();
        while (server.TryPollEvent(out var e))
        {
            if (e.Type == NetEventType.Connected && server.TryGetAddress(e.Connection, out var address)) addresses.Add(address);
        }
        Assert.Contains(addresses, a => a.IsIPv4);
        Assert.Contains(addresses, a => !a.IsIPv4);
    }

    [Fact]
    public void Receive_drops_oversized_datagrams_and_keeps_going()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        // Sends to a closed port draw ICMP port-unreachable replies (a "connection reset" on some systems).
        for (int i = 0; i < 10; i++) Assert.True(transport.TrySend([1, 2, 3], NetAddress.Parse($"127.0.0.1:{closedPort}")));
        sender.SendTo(new byte[4000], transport.LocalEndPoint);
        sender.SendTo([7, 7], transport.LocalEndPoint);
        var buffer = new byte[1200];
        int length;
        NetAddress source;
        while (!transport.TryReceive(buffer, out length, out source))
        {
            Assert.True(transport.Socket.Poll(Hang, SelectMode.SelectRead), "the small datagram never arrived");
        }
        if (length == 4000 || length == 1200) Assert.Fail("an oversized datagram was returned");
        Assert.Equal(2, length);
        Assert.Equal(((IPEndPoint)sender.LocalEndPoint!).Port, source.Port);
        Assert.Equal(1, transport.OversizedDatagrams);
    }

    [Fact]
    public void Receive_loop_survives_icmp_connection_refused_errors()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test provokes the error with Linux's IP_RECVERR");
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        // IP_RECVERR (SOL_IP 0, option 11) makes Linux report ICMP port-unreachable on the next read of an
        // unconnected socket, as Windows does without SIO_UDP_CONNRESET: the "connection reset" of the field.
        transport.Socket.SetRawSocketOption(0, 11, BitConverter.GetBytes(1));
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var buffer = new byte[1200];
        for (int round = 0; round < 5; round++)
        {
            transport.TrySend([1], NetAddress.Parse($"127.0.0.1:{closedPort}"));
            // The ICMP error is pending once poll reports it (POLLERR); then the datagram is sent, to wait behind it.
            Assert.True(transport.Socket.Poll(Hang, SelectMode.SelectError), "no ICMP error came back");
            sender.SendTo([9, (byte)round], transport.LocalEndPoint);
            int length;
            while (!transport.TryReceive(buffer, out length, out _))
            {
                Assert.True(transport.Socket.Poll(Hang, SelectMode.SelectRead), "the datagram never arrived");
            }
            Assert.Equal(2, length);
            Assert.Equal(round, buffer[1]);
            Assert.Equal(round + 1, transport.SocketErrors);   // this round's error, read on the way to the datagram
            // The read took the error (SO_ERROR) but its copy stays in the error queue, which keeps poll reporting POLLERR:
            // turning IP_RECVERR off empties that queue, so the next round waits for its own error.
            transport.Socket.SetRawSocketOption(0, 11, BitConverter.GetBytes(0));
            transport.Socket.SetRawSocketOption(0, 11, BitConverter.GetBytes(1));
        }
    }

    [Fact]
    public void Steady_state_udp_send_and_receive_allocate_nothing()
    {
        using var a = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[1200];
        var payload = new byte[100];
        void RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                DatagramDelivery.Deliver(a, b.LocalAddress, b, payload, buffer);
            }
        }
        RoundTrips(200);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrips(2000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
