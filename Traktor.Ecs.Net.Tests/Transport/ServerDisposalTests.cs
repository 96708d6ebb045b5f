using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What a disposed <see cref="NetServer"/> leaves behind: its clients told it shut down, and its socket only when the caller
/// keeps the transport. A server's Dispose left the socket open whatever the caller meant, so a game that made the socket
/// for the server alone (samples/Skirmish) kept the port bound, and a restart on the same port failed, until a finalizer ran.
/// </summary>
public class ServerDisposalTests
{
    private const ulong Protocol = 79;

    private static bool Loop(Func<bool> done, Action tick)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            tick();
            if (done()) return true;
            Thread.Sleep(1);
        }
        return false;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_disposed_server_tells_its_clients_and_closes_the_socket_it_owns(bool ownsTransport)
    {
        var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var bound = socket.LocalEndPoint;
        var server = new NetServer(socket, new NetServerOptions { ProtocolId = Protocol, Insecure = true, PrivateKey = null }, ownsTransport: ownsTransport);
        using var client = new NetClient(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new NetClientOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: true);
        client.ConnectInsecure(NetAddress.Parse($"127.0.0.1:{bound.Port}"), 5);
        Assert.True(Loop(() => client.State == ClientState.Connected, () => { client.Update(); server.Update(); }), "client did not connect");

        server.Dispose();
        if (!ownsTransport)
        {
            // The caller's socket is still bound and still works; then the caller disposes it.
            Assert.Throws<AddressInUseException>(() => new UdpTransport(bound));
            Assert.True(socket.TrySend([1, 2, 3], socket.LocalAddress));
            socket.Dispose();
        }

        // The port is free again at once: binding it would throw AddressInUseException while the old socket lived.
        using (new UdpTransport(bound)) { }

        // The shutdown notice left before the socket closed.
        Assert.True(Loop(() => client.State == ClientState.Disconnected, client.Update), "the client was not told");
        Assert.Equal(DisconnectReason.ServerShutdown, client.LastDisconnectReason);
    }
}
