using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Many real clients in one process, each with its own UDP socket, secure connection, world and replication:
/// they apply every snapshot and acknowledge it at once, as a game client does, all from one thread. On Linux one
/// <c>epoll_wait</c> names the clients whose sockets hold datagrams and only those run (receive, apply, acknowledge);
/// the others run in a sweep every <see cref="SweepInterval"/> (handshakes, keep-alives, timeouts). Polling every
/// client's socket every few milliseconds (a system call each) could not keep up beyond ~250 clients on one core.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    private const int ConnectsPerPass = 25; // handshakes started per pass, so the server's handshake queue stays short
    private static readonly long SweepInterval = Stopwatch.Frequency / 50; // 20 ms
    private static readonly long ConnectInterval = Stopwatch.Frequency / 200; // 5 ms
    private readonly List<Client> clients = new();
    private readonly ConnectTokenIssuer issuer;
    private readonly NetAddress server;
    private readonly ReplicationRegistry registry = ReplicationRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);
    private readonly int count;
    private readonly Epoll? epoll;
    private readonly int[] ready;
    private long nextSweep, nextConnect;

    public LoadGenerator(byte[] key, NetAddress server, int count, bool useEpoll = true)
    {
        issuer = new ConnectTokenIssuer(key, CapacityRun.ProtocolId);
        this.server = server;
        this.count = count;
        if (useEpoll && Epoll.IsSupported) epoll = new Epoll(256);
        ready = new int[256];
    }

    public int Connected => clients.Count(c => c.Transport.State == ClientState.Connected);

    public int Disconnected { get; private set; }

    /// <summary>Whether the generator waits on epoll (else it polls every client each pass).</summary>
    public bool UsesEpoll => epoll is not null;

    public long DatagramsReceived => clients.Sum(c => c.Socket.DatagramsReceived);

    public long BytesReceived => clients.Sum(c => c.Socket.BytesReceived);

    public long DatagramsSent => clients.Sum(c => c.Socket.DatagramsSent);

    public long BytesSent => clients.Sum(c => c.Socket.BytesSent);

    /// <summary>Snapshots the clients applied.</summary>
    public long SnapshotsApplied => clients.Sum(c => c.Network.Replication.Counters.Snapshots);

    /// <summary>Acknowledgement corrections the clients sent (snapshots they could not apply).</summary>
    public long Corrections => clients.Sum(c => c.Network.Replication.Counters.Corrections);

    /// <summary>Client updates run (one per wake-up of a client: receive, apply, acknowledge).</summary>
    public long Updates { get; private set; }

    /// <summary>Starts the next handshakes, then receives, applies, acknowledges and sends for every client once.</summary>
    public void Pass()
    {
        for (int i = 0; i < ConnectsPerPass && clients.Count < count; i++) Add();
        foreach (var client in clients) Run(client);
    }

    /// <summary>Runs the clients until <paramref name="done"/> says stop (asked every <paramref name="pass"/>).</summary>
    public void RunUntil(Func<bool> done, TimeSpan pass)
    {
        long period = (long)(pass.TotalSeconds * Stopwatch.Frequency);
        if (epoll is null)
        {
            while (!done())
            {
                long next = Stopwatch.GetTimestamp() + period;
                Pass();
                while (Stopwatch.GetTimestamp() < next) Thread.Sleep(1);
            }

            return;
        }

        long nextCheck = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= nextCheck)
            {
                if (done()) return;
                nextCheck = now + period;
            }

            if (clients.Count < count && now >= nextConnect)
            {
                for (int i = 0; i < ConnectsPerPass && clients.Count < count; i++) Add();
                nextConnect = now + ConnectInterval;
            }

            int readyCount = epoll.Wait(ready, 2);
            for (int i = 0; i < readyCount; i++) Run(clients[ready[i]]);
            now = Stopwatch.GetTimestamp();
            if (now >= nextSweep)
            {
                // Clients that received nothing lately still have timers: handshake retries, keep-alives, timeouts.
                long idleSince = now - SweepInterval;
                foreach (var client in clients)
                {
                    if (client.LastRun <= idleSince) Run(client);
                }

                nextSweep = now + SweepInterval;
            }
        }
    }

    private void Run(Client client)
    {
        float dt = 1f / CapacityServer.TickRate;
        client.Network.BeforeUpdate(dt);
        client.Network.AfterUpdate(dt);
        client.LastRun = Stopwatch.GetTimestamp();
        Updates++;
    }

    private void Add()
    {
        var client = Start(clients.Count);
        clients.Add(client);
        epoll?.Add(client.Udp.Socket.Handle, clients.Count - 1);
    }

    private Client Start(int index)
    {
        var udp = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), socketBufferBytes: 256 * 1024);
        var socket = new CountingTransport(udp);
        // Acks leave in the pass that received the snapshot (a game client's next input packet would carry them), so a
        // client does not need a second wake-up 5 ms later only to acknowledge.
        var transport = new NetClient(socket, new NetClientOptions { ProtocolId = CapacityRun.ProtocolId, ConnectTimeout = TimeSpan.FromSeconds(60), AckDelay = TimeSpan.Zero });
        var world = World.Create();
        var network = new NetworkClient(world, transport, registry, CapacityServer.TickRate);
        network.Disconnected += _ => Disconnected++;
        transport.Connect(issuer.Issue((ulong)index + 1, [], TimeSpan.FromHours(1), [server], timeoutSeconds: 30));
        return new Client(udp, socket, transport, world, network);
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Transport.Dispose();
            client.World.Dispose();
            client.Socket.Dispose();
        }

        epoll?.Dispose();
    }

    private sealed record Client(UdpTransport Udp, CountingTransport Socket, NetClient Transport, World World, NetworkClient Network)
    {
        public long LastRun { get; set; }
    }
}
