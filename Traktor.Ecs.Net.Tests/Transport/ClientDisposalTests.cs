using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What a disposed <see cref="NetClient"/> leaves behind: nothing that keeps it reachable, and its socket only when the
/// caller keeps the transport (a socket left open stays bound and keeps queueing what is sent to it).
/// </summary>
public class ClientDisposalTests
{
    private const ulong Protocol = 78;

    private static bool Loop(Func<bool> done, NetServer server, NetClient client)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            client.Update();
            server.Update();
            if (done()) return true;
            Thread.Sleep(1);
        }
        return false;
    }

    /// <summary>Connects a client on a fresh loopback socket, disposes the client, and returns weak references to both.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // so no local of this frame keeps them alive
    private static (WeakReference Client, WeakReference Socket, IPEndPoint Bound) ConnectAndDispose(NetServer server, NetAddress serverAddress, bool ownsTransport)
    {
        var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var client = new NetClient(socket, new NetClientOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: ownsTransport);
        client.ConnectInsecure(serverAddress, 5);
        Assert.True(Loop(() => client.State == ClientState.Connected, server, client), "client did not connect");
        client.Dispose();
        if (!ownsTransport)
        {
            // The caller's transport still works after the client is gone; then the caller disposes it.
            Assert.Throws<AddressInUseException>(() => new UdpTransport(socket.LocalEndPoint));
            Assert.True(socket.TrySend([1, 2, 3], serverAddress));
            socket.Dispose();
        }
        return (new WeakReference(client), new WeakReference(socket), socket.LocalEndPoint);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_disposed_client_tells_the_server_closes_the_socket_it_owns_and_is_collected(bool ownsTransport)
    {
        using var serverSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var server = new NetServer(serverSocket, new NetServerOptions { ProtocolId = Protocol, Insecure = true, PrivateKey = null });
        var serverAddress = NetAddress.Parse($"127.0.0.1:{serverSocket.LocalEndPoint.Port}");
        var (client, socket, bound) = ConnectAndDispose(server, serverAddress, ownsTransport);

        // The port is free again at once: the socket was closed by the client's Dispose (or by its owner), not left for
        // a finalizer. Binding it again would throw AddressInUseException while the old socket lived.
        using (new UdpTransport(bound)) { }

        // The disconnect notice left before the socket closed.
        var deadline = Stopwatch.StartNew();
        DisconnectReason? reason = null;
        while (reason is null && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            server.Update();
            while (server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Disconnected) reason = e.Reason;
            }
            Thread.Sleep(1);
        }
        Assert.Equal(DisconnectReason.ClientDisconnected, reason);

        // Nothing static (metrics registration, pools, the server) keeps the client or its transport reachable.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(client.IsAlive, "the disposed client is still reachable");
        Assert.False(socket.IsAlive, "the disposed client's socket is still reachable");
    }
}
