using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The pre-connection budgets belong to a source's IP address, not to its port: one host opening a fresh UDP socket
/// (a fresh port) per packet, over real loopback sockets (127.0.0.5 and 127.0.0.6 are the attacker, 127.0.0.1 honest).
/// Before, the buckets were keyed by address and port, so such a host had a whole burst per port.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class SourcePortRotationTests
{
    private const ulong ProtocolId = 0x5452;

    private static void Pump(Action update, Func<bool> done, double seconds = 5)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            update();
            Thread.Sleep(1);
        }
        while (!done() && clock.Elapsed.TotalSeconds < seconds);
    }

    /// <summary>A real client's first connection request (insecure mode), caught by a socket standing in for the server.</summary>
    private static byte[] CaptureInsecureRequest()
    {
        using var fakeServer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fakeServer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        fakeServer.ReceiveTimeout = 5000;
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new NetClient(socket, new NetClientOptions { ProtocolId = ProtocolId, Insecure = true });
        client.ConnectInsecure(NetAddress.FromEndPoint((IPEndPoint)fakeServer.LocalEndPoint!), clientId: 1000);
        client.Update();
        var buffer = new byte[2048];
        return buffer[..fakeServer.Receive(buffer)];
    }

    [Fact]
    public void A_host_sending_each_handshake_from_a_new_port_gets_one_addresss_burst_of_challenges()
    {
        using var serverSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var server = new NetServer(serverSocket, new NetServerOptions { ProtocolId = ProtocolId, Insecure = true });
        var request = CaptureInsecureRequest();
        var sockets = new List<Socket>();
        try
        {
            // The same request from 200 ports of 127.0.0.5, once each.
            for (int i = 0; i < 200; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.5"), 0));
                sockets.Add(socket);
                socket.SendTo(request, server.LocalAddress.ToEndPoint());
            }
            Pump(server.Update, () => server.Counters.ChallengesSent + server.Counters.RateLimited >= 200);
            Assert.Equal(200, server.Counters.ChallengesSent + server.Counters.RateLimited);
            Assert.InRange(server.Counters.ChallengesSent, 1, 20); // one address's burst
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }

        // Another address is not held to the attacker's budget.
        using var honestSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var honest = new NetClient(honestSocket, new NetClientOptions { ProtocolId = ProtocolId, Insecure = true });
        honest.ConnectInsecure(server.LocalAddress, clientId: 7);
        Pump(() => { honest.Update(); server.Update(); }, () => honest.State == ClientState.Connected);
        Assert.Equal(ClientState.Connected, honest.State);
    }

    [Fact]
    public void A_host_registering_from_many_ports_cannot_fill_the_introducers_rendezvous_table()
    {
        using var introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new IntroducerOptions { RegistersPerSecond = 10 }); // disposes its socket
        var endPoint = introducer.LocalAddress.ToEndPoint();
        var sockets = new List<Socket>();
        try
        {
            var registers = new List<byte[]>();
            for (int i = 0; i < 200; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.6"), 0));
                sockets.Add(socket);
                var register = new byte[128];
                register[0] = 0x0F;
                register[1] = 3; // traversal version
                register[2] = 1; // Register
                register[3] = 0; // as host
                Guid.NewGuid().TryWriteBytes(register.AsSpan(4));
                registers.Add(register);
                socket.SendTo(register, endPoint);
            }
            Pump(introducer.Update, () => introducer.CookiesSent + introducer.Dropped >= 200);
            Assert.Equal(200, introducer.CookiesSent + introducer.Dropped);
            Assert.InRange(introducer.CookiesSent, 1, 20); // one address's burst, not one per port

            // Every port that got its cookie echoes it, as a real host does: still one address's worth of rendezvous.
            var reply = new byte[64];
            int echoed = 0;
            for (int i = 0; i < sockets.Count; i++)
            {
                if (sockets[i].Available == 0) continue;
                Assert.Equal(35, sockets[i].Receive(reply));
                reply.AsSpan(19, 16).CopyTo(registers[i].AsSpan(20));
                sockets[i].SendTo(registers[i], endPoint);
                echoed++;
            }
            Assert.Equal(introducer.CookiesSent, echoed);
            long handled = introducer.CookiesSent + introducer.Dropped;
            Pump(introducer.Update, () => introducer.CookiesSent + introducer.Dropped + introducer.RendezvousCount >= handled + echoed);
            Assert.InRange(introducer.RendezvousCount, 0, 20);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
