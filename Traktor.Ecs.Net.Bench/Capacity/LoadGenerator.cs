using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Many real clients in one process, each with its own UDP socket, secure connection, world and replication:
/// they apply every snapshot and acknowledge it, as a game client does, and are polled in turn from one thread.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    private const int ConnectsPerPass = 25; // handshakes started per pass, so the server's handshake queue stays short
    private readonly List<Client> clients = new();
    private readonly ConnectTokenIssuer issuer;
    private readonly NetAddress server;
    private readonly ReplicationRegistry registry = ReplicationRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);
    private readonly int count;

    public LoadGenerator(byte[] key, NetAddress server, int count)
    {
        issuer = new ConnectTokenIssuer(key, CapacityRun.ProtocolId);
        this.server = server;
        this.count = count;
    }

    public int Connected => clients.Count(c => c.Transport.State == ClientState.Connected);

    public int Disconnected { get; private set; }

    public long DatagramsReceived => clients.Sum(c => c.Socket.DatagramsReceived);

    public long BytesReceived => clients.Sum(c => c.Socket.BytesReceived);

    public long DatagramsSent => clients.Sum(c => c.Socket.DatagramsSent);

    public long BytesSent => clients.Sum(c => c.Socket.BytesSent);

    /// <summary>Starts the next handshakes, then receives, applies, acknowledges and sends for every client once.</summary>
    public void Pass()
    {
        for (int i = 0; i < ConnectsPerPass && clients.Count < count; i++) clients.Add(Start(clients.Count));
        float dt = 1f / CapacityServer.TickRate;
        foreach (var client in clients)
        {
            client.Network.BeforeUpdate(dt);
            client.Network.AfterUpdate(dt);
        }
    }

    /// <summary>Polls every client each <paramref name="pass"/> until <paramref name="done"/> says stop.</summary>
    public void RunUntil(Func<bool> done, TimeSpan pass)
    {
        long period = (long)(pass.TotalSeconds * Stopwatch.Frequency);
        while (!done())
        {
            long next = Stopwatch.GetTimestamp() + period;
            Pass();
            while (Stopwatch.GetTimestamp() < next) Thread.Sleep(1);
        }
    }

    private Client Start(int index)
    {
        var socket = new CountingTransport(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), socketBufferBytes: 256 * 1024));
        var transport = new NetClient(socket, new NetClientOptions { ProtocolId = CapacityRun.ProtocolId, ConnectTimeout = TimeSpan.FromSeconds(60) });
        var world = World.Create();
        var network = new NetworkClient(world, transport, registry, CapacityServer.TickRate);
        network.Disconnected += _ => Disconnected++;
        transport.Connect(issuer.Issue((ulong)index + 1, [], TimeSpan.FromHours(1), [server], timeoutSeconds: 30));
        return new Client(socket, transport, world, network);
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Transport.Dispose();
            client.World.Dispose();
            client.Socket.Dispose();
        }
    }

    private sealed record Client(CountingTransport Socket, NetClient Transport, World World, NetworkClient Network);
}
