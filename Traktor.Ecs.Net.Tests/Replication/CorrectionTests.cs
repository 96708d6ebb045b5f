using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// Acknowledgement corrections (kind 0x52, docs/PROTOCOL.md §10.2): a late one (its first copies lost) still repeats the
/// despawns of the snapshot it takes back after the sent-snapshot log let go of it, and a stale despawn never removes an
/// entity the client was sent again since.
/// </summary>
public class CorrectionTests
{
    private const double TickSeconds = 1.0 / 60;

    [Fact]
    public void A_late_correction_repeats_the_despawns_of_a_snapshot_the_log_no_longer_holds()
    {
        using var rig = new Rig();
        var ghost = rig.ServerWorld.Create(new Position2 { Value = new Vector2(5, 5) });
        for (int i = 0; i < 5; i++) rig.Step();
        uint ghostId = rig.Server.NetworkIdOf(ghost).Value;
        Assert.NotEqual(Entity.Null, rig.Client.Find(new NetworkId(ghostId)));

        rig.ServerWorld.Destroy(ghost);
        // The despawn's snapshot and its repeat (built before the first one's packet ack came back) are delivered, their
        // packets acknowledged, and the client drops both.
        rig.Step(drop: true, correctionsLost: true);
        rig.Step(drop: true, correctionsLost: true);
        for (int i = 0; i < 12; i++) rig.Step(correctionsLost: true); // every correction lost meanwhile: the log lets go of it
        Assert.NotEqual(Entity.Null, rig.Client.Find(new NetworkId(ghostId)));

        for (int i = 0; i < 120 && rig.Client.Find(new NetworkId(ghostId)) != Entity.Null; i++) rig.Step();
        Assert.Equal(Entity.Null, rig.Client.Find(new NetworkId(ghostId)));
        for (int i = 0; i < 30; i++) rig.Step();
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    [Fact]
    public void A_correction_never_repeats_the_despawn_of_an_entity_sent_again_since()
    {
        bool hidden = false;
        Entity comer = default;
        // Nothing moves, so the re-sent entity's snapshot needs no baseline and the client applies it.
        using var rig = new Rig(new ServerReplicationOptions { Filter = (entity, _) => !(hidden && entity == comer) }, moving: false);
        comer = rig.ServerWorld.Create(new Position2 { Value = new Vector2(7, 7) });
        for (int i = 0; i < 5; i++) rig.Step();
        var comerId = rig.Server.NetworkIdOf(comer);
        Assert.NotEqual(Entity.Null, rig.Client.Find(comerId));

        hidden = true;
        rig.Step(drop: true, correctionsLost: true); // despawned (out of interest), acknowledged by packet, dropped by the client
        rig.Step(drop: true, correctionsLost: true); // the despawn's repeat, the same
        hidden = false;
        rig.Step(correctionsLost: true); // back in interest: sent again in full, and applied
        Assert.NotEqual(Entity.Null, rig.Client.Find(comerId));

        // Now the corrections of the drops arrive: the client must keep the entity all along.
        for (int i = 0; i < 60; i++)
        {
            rig.Step();
            Assert.True(rig.Client.Find(comerId) != Entity.Null, $"the client lost the entity {i} ticks later");
        }

        Assert.True(rig.Client.Counters.Corrections > 0);
        Assert.True(rig.Server.Counters.Unacknowledged > 0, "no correction reached the server");
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    [Fact]
    public void Despawns_held_for_corrections_stay_bounded_by_the_window()
    {
        using var rig = new Rig();
        var entities = new List<Entity>();
        for (int tick = 0; tick < 600; tick++)
        {
            entities.Add(rig.ServerWorld.Create(new Position2 { Value = new Vector2(tick, 0) }));
            if (entities.Count > 3)
            {
                rig.ServerWorld.Destroy(entities[0]);
                entities.RemoveAt(0);
            }

            rig.Step();
        }

        // One despawn per tick: the window (64 ticks) and the delivery delay hold fewer than 128 of them.
        Assert.InRange(rig.DeliveredDespawns, 1, 2 * SnapshotFormat.ClientHistoryTicks);
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    /// <summary>
    /// A server and a client with one moving entity (so every tick has a snapshot), one tick of delay: last tick's packet
    /// acks reach the server before this tick's corrections, as in one client packet.
    /// </summary>
    private sealed class Rig : IDisposable
    {
        private readonly ConnectionId connection = new(1, 1);
        private readonly Entity mover;
        private readonly Queue<uint> deliveries = new();
        private readonly byte[] ack = new byte[16];
        private readonly byte[] truncated = new byte[8];
        private readonly bool moving;
        private int tick;

        public Rig(ServerReplicationOptions? options = null, bool moving = true)
        {
            this.moving = moving;
            Server = new ServerReplication(ServerWorld, ReplicationWorld.Registry, options ?? new ServerReplicationOptions());
            Client = new ClientReplication(ClientWorld, ReplicationWorld.Registry);
            Server.AddConnection(connection);
            mover = ServerWorld.Create(new Position2());
        }

        public World ServerWorld { get; } = World.Create();

        public World ClientWorld { get; } = World.Create();

        public ServerReplication Server { get; }

        public ClientReplication Client { get; }

        public int DeliveredDespawns => Server.StateOf(connection)!.DeliveredDespawns.Count;

        public void Step(bool drop = false, bool correctionsLost = false)
        {
            tick++;
            if (moving) ServerWorld.Get<Position2>(mover).Value += new Vector2(0.5f, 0.25f);
            var sink = new Sink();
            Server.Update(sink);
            while (deliveries.TryDequeue(out uint delivered))
            {
                Server.ReceiveDelivery(connection, delivered);
            }

            if (Client.TakeCorrection() && !correctionsLost)
            {
                Server.ReceiveAck(connection, ack.AsSpan(0, Client.WriteAck(ack)));
            }

            if (sink.Snapshot is not { } snapshot)
            {
                return;
            }

            if (drop)
            {
                snapshot.AsSpan(0, truncated.Length).CopyTo(truncated); // its header only: dropped as malformed
                Client.ReceiveSnapshot(truncated, tick * TickSeconds, 0.05);
            }
            else
            {
                Client.ReceiveSnapshot(snapshot, tick * TickSeconds, 0.05);
            }

            deliveries.Enqueue(Server.Tick);
        }

        public void Dispose()
        {
            ServerWorld.Dispose();
            ClientWorld.Dispose();
        }
    }

    private sealed class Sink : ISnapshotSink
    {
        public byte[]? Snapshot { get; private set; }

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => Snapshot = snapshot.ToArray();
    }
}
