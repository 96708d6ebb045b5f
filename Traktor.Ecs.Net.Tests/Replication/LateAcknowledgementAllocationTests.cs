using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// When the clients fall behind (a busy load generator, late server ticks), one receive phase brings the
/// acknowledgements of many snapshots per connection at once. Every snapshot repeats the despawns not yet acknowledged,
/// so each of those acknowledgements carried the same despawns; the server kept one entry per despawn and snapshot for
/// corrections, its per-connection ring kept doubling, and the receive phase allocated kilobytes per tick at 2,000
/// clients (issue 16). Secure connections over real loopback sockets, in one thread, as in the capacity run.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class LateAcknowledgementAllocationTests
{
    private const ulong ProtocolId = 0x1A7E_AC4;
    private const int Clients = 12;
    private const int Blinkers = 8;
    private const float Radius = 50f;
    private const int TickRate = 30;

    [Fact]
    public void A_receive_phase_with_many_snapshots_acknowledged_per_connection_allocates_nothing()
    {
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        var issuer = new ConnectTokenIssuer(key, ProtocolId);
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var server = new NetServer(socket, new NetServerOptions
        {
            ProtocolId = ProtocolId,
            PrivateKey = key,
            PublicAddresses = [socket.LocalAddress],
            MaxClients = Clients,
            MaxConnectionsPerAddress = Clients,
            MaxConnectionsPerSubnet = Clients,
        });
        using var serverWorld = World.Create();
        var network = new NetworkServer(serverWorld, server, ReplicationWorld.Registry, new ServerReplicationOptions
        {
            TickRate = TickRate,
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, Radius),
        });
        network.ClientConnected += (connection, _) =>
            serverWorld.Create(new Position2 { Value = new Vector2(network.Connections.Count, 0) }, new NetworkOwner(connection));

        // Entities that leave every player's view and come back, one despawn every tick or two for each connection.
        var blinkers = new Entity[Blinkers];
        for (int i = 0; i < Blinkers; i++) blinkers[i] = serverWorld.Create(new Position2());

        var clients = new List<(UdpTransport Socket, NetClient Transport, World World, NetworkClient Network)>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                var udp = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
                var transport = new NetClient(udp, new NetClientOptions { ProtocolId = ProtocolId, AckDelay = TimeSpan.Zero });
                var world = World.Create();
                clients.Add((udp, transport, world, new NetworkClient(world, transport, ReplicationWorld.Registry, TickRate)));
                transport.Connect(issuer.Issue((ulong)i + 1, [], TimeSpan.FromMinutes(5), [socket.LocalAddress]));
            }

            int tick = 0;
            float dt = 1f / TickRate;
            void RunClients()
            {
                // Datagrams on loopback are in the receiver's socket when sendto returns: no waiting needed.
                foreach (var client in clients)
                {
                    client.Network.BeforeUpdate(in dt);
                    client.Network.AfterUpdate(in dt);
                }
            }

            long ServerTick()
            {
                tick++;
                for (int i = 0; i < Blinkers; i++)
                {
                    bool near = ((tick + (2 * i)) / 8) % 2 == 0;
                    serverWorld.Get<Position2>(blinkers[i]).Value = near ? new Vector2(i, 5) : new Vector2(i, 20 * Radius);
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                network.BeforeUpdate(in dt);
                network.AfterUpdate(in dt);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            for (int i = 0; i < 2000 && network.Connections.Count < Clients; i++)
            {
                RunClients();
                ServerTick();
                if (i % 10 == 9) Thread.Sleep(1); // handshake replies go out on the next update
            }

            Assert.Equal(Clients, network.Connections.Count);

            // Warm-up: the clients answer every tick, then a few rounds of answering every 8th tick, which grows what
            // grows once with more snapshots in flight (the log of sent records, the event queue).
            for (int i = 0; i < 300; i++)
            {
                ServerTick();
                RunClients();
            }

            for (int i = 0; i < 4 * 8; i++)
            {
                ServerTick();
                if (i % 8 == 7) RunClients();
            }

            // Measured: the clients answer every 8th tick, so each of their packets acknowledges 8 snapshots that all
            // carried the same despawns, for longer than the 256 ticks a correction may still name.
            var replication = network.Replication;
            long despawns = replication.Counters.Despawns;
            long allocated = 0;
            for (int i = 0; i < 480; i++)
            {
                allocated += ServerTick();
                if (i % 8 == 7) RunClients();
            }

            Assert.Equal(Clients, network.Connections.Count);
            // A blinker leaves the view every 16 ticks: half a despawn per tick and connection, 128 in 256 ticks.
            Assert.True(replication.Counters.Despawns - despawns >= 240 * Clients, $"{replication.Counters.Despawns - despawns} despawns sent");
            Assert.True(allocated == 0, $"{allocated} bytes allocated in 480 server ticks ({allocated / 480} per tick)");
            foreach (var connection in network.Connections)
            {
                var delivered = replication.StateOf(connection)!.DeliveredDespawns;
                Assert.True(delivered.Count > 0, "no despawn was acknowledged");
                Assert.True(delivered.Capacity == SnapshotFormat.CorrectionMemoryTicks,
                    $"the ring of delivered despawns grew to {delivered.Capacity} entries (holding {delivered.Count})");
            }

        }
        finally
        {
            foreach (var client in clients)
            {
                client.Transport.Dispose();
                client.World.Dispose();
                client.Socket.Dispose();
            }
        }
    }
}
