using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// Snapshot acknowledgements riding on the transport's packet acks (TRKNET07, docs/PROTOCOL.md §10.2): the client sends
/// no acknowledgement message while it applies what it is handed, and corrects the packet acks when it drops one.
/// </summary>
public class PacketAckReplicationTests
{
    [Fact]
    public void Over_a_lossy_reordering_link_clients_converge_without_sending_acknowledgements()
    {
        var conditions = new LinkConditions { LatencyMs = 40, JitterMs = 10, LossPercent = 10, ReorderPercent = 5 };
        using var setup = new ReplicationWorld(conditions, new ServerReplicationOptions());
        var random = new Random(7);
        var entities = new List<Entity>();
        for (int i = 0; i < 60; i++)
        {
            entities.Add(setup.ServerWorld.Create(new Position2 { Value = new Vector2(i * 3, -i) }));
        }

        setup.AddClient(1, seed: 11);
        setup.AddClient(2, seed: 12);
        Assert.True(setup.TickUntil(() => setup.Clients.All(c => c.Client.Transport.State == ClientState.Connected), 600));
        for (int tick = 0; tick < 600; tick++)
        {
            foreach (var entity in entities.Take(15))
            {
                setup.ServerWorld.Get<Position2>(entity).Value += new Vector2(random.Next(-3, 4), random.Next(-3, 4));
            }

            if (tick % 20 == 0)
            {
                setup.ServerWorld.Destroy(entities[^1]);
                entities.RemoveAt(entities.Count - 1);
                entities.Insert(0, setup.ServerWorld.Create(new Position2 { Value = new Vector2(tick, 5) }));
            }

            setup.Tick();
        }

        conditions.LossPercent = 0;
        conditions.ReorderPercent = 0;
        setup.Tick(120);
        foreach (var (world, client, _) in setup.Clients)
        {
            DirectReplicationTests.AssertConverged(setup.ServerWorld, setup.Server.Replication, world, client.Replication);
            Assert.Equal(0, client.Replication.Counters.Corrections);
            Assert.Equal(0, client.Replication.Counters.MissingBaselines);
        }

        Assert.Equal(0, setup.Server.Replication.Counters.Unacknowledged);

        // Nothing changes now: once the packet acks acknowledged everything, no snapshot is sent at all.
        long snapshots = setup.Server.Replication.Counters.Snapshots;
        setup.Tick(60);
        Assert.Equal(snapshots, setup.Server.Replication.Counters.Snapshots);
    }

    [Theory]
    [InlineData(DeltaCoder.Static)]
    [InlineData(DeltaCoder.Adaptive)]
    public void A_delivered_snapshot_the_client_drops_is_corrected_and_the_client_converges(DeltaCoder coder)
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var registry = ReplicationWorld.Registry;
        var server = new ServerReplication(serverWorld, registry, new ServerReplicationOptions { Coder = coder });
        var client = new ClientReplication(clientWorld, registry);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        var random = new Random(3);
        var entities = new List<Entity>();
        for (int i = 0; i < 100; i++)
        {
            entities.Add(serverWorld.Create(new Position2 { Value = new Vector2(i, i) }));
        }

        var sink = new Sink(server);
        var deliveries = new Queue<uint>();
        Span<byte> ack = stackalloc byte[16];
        for (int tick = 0; tick < 400; tick++)
        {
            bool lossy = tick < 300;
            foreach (var entity in entities.Take(25))
            {
                serverWorld.Get<Position2>(entity).Value += new Vector2(0.5f, -0.25f);
            }

            if (tick % 7 == 0 && lossy)
            {
                serverWorld.Destroy(entities[^1]);
                entities.RemoveAt(entities.Count - 1);
                entities.Insert(0, serverWorld.Create(new Position2 { Value = new Vector2(-tick, tick) }));
            }

            sink.Clear();
            server.Update(sink);

            // Last tick's packet acks reach the server first, then the messages of the same client packet.
            while (deliveries.TryDequeue(out uint delivered))
            {
                server.ReceiveDelivery(connection, delivered);
            }

            if (client.TakeCorrection(tick / 60.0))
            {
                server.ReceiveAck(connection, ack[..client.WriteAck(ack)]);
            }

            if (sink.Snapshot is not { } snapshot)
            {
                continue;
            }

            double roll = random.NextDouble();
            if (lossy && roll < 0.1)
            {
                continue; // lost: never acknowledged
            }

            // Delivered, so its packet is acknowledged; now and then the client cannot use it (here: truncated,
            // as it would drop a snapshot it held back as a jump of the timeline).
            bool dropped = lossy && roll < 0.2;
            client.ReceiveSnapshot(dropped ? snapshot.AsSpan(0, 8) : snapshot, tick / 60.0, 0.05);
            deliveries.Enqueue(sink.Tick);
        }

        DirectReplicationTests.AssertConverged(serverWorld, server, clientWorld, client);
        Assert.True(client.Counters.Corrections > 10, $"{client.Counters.Corrections} corrections");
        Assert.True(server.Counters.Unacknowledged > 10, $"{server.Counters.Unacknowledged} acknowledgements taken back");
    }

    private sealed class Sink(ServerReplication server) : ISnapshotSink
    {
        public byte[]? Snapshot { get; private set; }

        public uint Tick { get; private set; }

        public void Clear() => Snapshot = null;

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
            Snapshot = snapshot.ToArray();
            Tick = server.Tick;
        }
    }
}
