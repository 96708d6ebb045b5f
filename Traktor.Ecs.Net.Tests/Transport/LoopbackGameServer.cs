using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A secure <see cref="NetServer"/> on one real loopback socket of a <see cref="SocketWire"/>, the connect tokens for it, and
/// clients on sockets of the same kind, all on one fake clock: what the attacks over real sockets
/// (<see cref="SocketFloodTests"/>, <c>HostileScriptRpcSocketTests</c>) stand their game on. Disposes its clients (newest
/// first), then the server.
/// </summary>
internal sealed class LoopbackGameServer : IDisposable
{
    private readonly FakeTimeProvider _time;
    private readonly ConnectTokenIssuer _issuer;
    private readonly List<NetClient> _clients = new();

    public LoopbackGameServer(SocketWire wire, FakeTimeProvider time)
    {
        Wire = wire;
        _time = time;
        var key = ConnectTokenIssuer.GenerateServerKey();
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        IDatagramTransport transport = wire switch
        {
            SocketWire.Udp => new UdpTransport(loopback),
            SocketWire.Tcp => TcpTransport.Listen(loopback, time: time),
            _ => WebSocketServerTransport.Listen(loopback, time: time),
        };
        Address = transport.LocalAddress;
        var options = new NetServerOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, PrivateKey = key, PublicAddresses = [Address] };
        Net = new NetServer(transport, options, time, ownsTransport: true);
        _issuer = new ConnectTokenIssuer(key, TransportHarness.ProtocolId, time);
    }

    public SocketWire Wire { get; }

    public NetServer Net { get; }

    /// <summary>The server's socket address, the one its tokens list.</summary>
    public NetAddress Address { get; }

    /// <summary>A connect token for <paramref name="clientId"/>, good for five minutes, listing this server alone.</summary>
    public byte[] Token(ulong clientId) => _issuer.Issue(clientId, [], TimeSpan.FromMinutes(5), [Address], 10);

    /// <summary>A client on a new socket of the server's kind, disposed with this server.</summary>
    public NetClient Client() => Client(out _);

    /// <summary>A client on a new socket of the server's kind (<paramref name="transport"/>), disposed with this server.</summary>
    public NetClient Client(out IDatagramTransport transport)
    {
        transport = Wire switch
        {
            SocketWire.Udp => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)),
            SocketWire.Tcp => TcpTransport.CreateClient(time: _time),
            _ => WebSocketClientTransport.CreateClient(time: _time),
        };
        // The clock is fake and ticks with a 1 ms pause: the default 5 s connect timeout is 300 ticks, about 0.6 s of real
        // time, which a slow first WebSocket upgrade on a busy machine can outlast; the callers' TickUntil bounds the wait.
        var options = new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, ConnectTimeout = TimeSpan.FromMinutes(1) };
        var client = new NetClient(transport, options, _time, ownsTransport: true);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// Runs <paramref name="tick"/> until <paramref name="done"/> holds, at most <paramref name="maxTicks"/> times. Real
    /// sockets deliver in wall time while the clock is fake: each tick is followed by a 1 ms pause that lets the loopback
    /// hand over what is in flight.
    /// </summary>
    public static bool TickUntil(Func<bool> done, int maxTicks, Action tick)
    {
        for (int i = 0; i < maxTicks; i++)
        {
            if (done()) return true;
            tick();
            Thread.Sleep(1);
        }

        return done();
    }

    public void Dispose()
    {
        for (int i = _clients.Count - 1; i >= 0; i--) _clients[i].Dispose();
        Net.Dispose();
    }
}
