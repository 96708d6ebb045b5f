using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// Acknowledgement corrections (kind 0x52, docs/PROTOCOL.md §10.2): a client sends one per drop, paced to a few per second
/// (reliably, so the rigs here delay corrections but never lose them); a late one still repeats the despawns of the
/// snapshot it takes back (after the sent-snapshot log let go of it, and after the 64-tick window while it was being
/// retransmitted); one that overtakes the packet ack of the snapshot it names still does; and a stale despawn never
/// removes an entity the client was sent again since.
/// </summary>
public class CorrectionTests
{
    private const double TickSeconds = 1.0 / 60;

    [Fact]
    public void A_client_sends_one_correction_at_once_after_a_drop_and_never_more_than_its_pace()
    {
        var pacer = new CorrectionPacer();
        pacer.Owe();
        Assert.True(pacer.TryTake(10.0)); // at once
        for (double now = 10.0; now < 12.0; now += TickSeconds)
        {
            Assert.False(pacer.TryTake(now)); // no blind repeats: the transport repeats it until delivered
        }

        // A client dropping a snapshot every tick for 10 s (a broken link or a hostile server) still sends only its pace,
        // and each drop is covered by a correction sent at most 1 / rate later.
        int count = 0;
        double start = 20.0, lastSent = start;
        for (double now = start; now < start + 10; now += TickSeconds)
        {
            pacer.Owe();
            if (pacer.TryTake(now))
            {
                Assert.True(now - lastSent <= (1 / SnapshotFormat.CorrectionsPerSecond) + TickSeconds, $"{now - lastSent:F3} s without a correction");
                lastSent = now;
                count++;
            }
        }

        Assert.InRange(count, 10 * SnapshotFormat.CorrectionsPerSecond - 2, SnapshotFormat.CorrectionBurst + (10 * SnapshotFormat.CorrectionsPerSecond) + 1);
    }

    [Fact]
    public void A_correction_retransmitted_past_the_64_tick_window_still_repeats_the_despawns_it_takes_back()
    {
        using var rig = new Rig();
        var ghost = rig.ServerWorld.Create(new Position2 { Value = new Vector2(5, 5) });
        for (int i = 0; i < 5; i++) rig.Step();
        var ghostId = rig.Server.NetworkIdOf(ghost);
        rig.ServerWorld.Destroy(ghost);

        // The despawn's snapshot and its repeat are delivered and dropped; every correction the client writes for 80 ticks
        // (the first one at once) is held up by retransmissions, then they all arrive: more than 64 server ticks after the
        // despawn was acknowledged. Before, the server had let go of the despawn by then, and the client kept a ghost.
        rig.Step(drop: true, correctionsHeld: true);
        rig.Step(drop: true, correctionsHeld: true);
        for (int i = 0; i < 80; i++) rig.Step(correctionsHeld: true);
        Assert.NotEqual(Entity.Null, rig.Client.Find(ghostId));

        for (int i = 0; i < 60; i++) rig.Step();
        Assert.Equal(Entity.Null, rig.Client.Find(ghostId));
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    [Fact]
    public void A_correction_that_overtakes_the_packet_ack_of_the_snapshot_it_names_still_repeats_its_despawns()
    {
        // Nothing moves: once the despawn is delivered there is nothing more to send, so nothing else would repair it.
        using var rig = new Rig(moving: false);
        var ghost = rig.ServerWorld.Create(new Position2 { Value = new Vector2(5, 5) });
        for (int i = 0; i < 5; i++) rig.Step();
        var ghostId = rig.Server.NetworkIdOf(ghost);
        rig.ServerWorld.Destroy(ghost);

        // The despawn's snapshot is delivered and dropped, and the client's correction reaches the server before the packet
        // ack of that snapshot (a reordered client packet); the despawn's repeat is lost on the way.
        rig.Step(drop: true, ackAfterCorrection: true);
        rig.Step(lose: true);
        for (int i = 0; i < 60; i++) rig.Step();
        Assert.Equal(Entity.Null, rig.Client.Find(ghostId));
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

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
        rig.Step(drop: true, correctionsHeld: true);
        rig.Step(drop: true, correctionsHeld: true);
        for (int i = 0; i < 12; i++) rig.Step(correctionsHeld: true); // every correction late meanwhile: the log lets go of it
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
        rig.Step(drop: true, correctionsHeld: true); // despawned (out of interest), acknowledged by packet, dropped by the client
        rig.Step(drop: true, correctionsHeld: true); // the same (the despawn is not repeated before its resend delay)
        hidden = false;
        rig.Step(correctionsHeld: true); // back in interest: sent again in full, and applied
        Assert.NotEqual(Entity.Null, rig.Client.Find(comerId));

        // Now the corrections of the drops arrive: the client must keep the entity all along.
        for (int i = 0; i < 60; i++)
        {
            rig.Step();
            Assert.True(rig.Client.Find(comerId) != Entity.Null, $"the client lost the entity {i} ticks later");
        }

        Assert.True(rig.Client.Counters.Corrections > 0);
        Assert.True(rig.Server.Counters.Corrections > 0, "no correction reached the server");
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

        // One despawn per tick, repeated in the one or two snapshots before its packet ack but held once (by the ack that
        // ended it): the memory (256 ticks) holds at most one per tick.
        Assert.InRange(rig.DeliveredDespawns, 1, SnapshotFormat.CorrectionMemoryTicks);
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    /// <summary>
    /// A server and a client with one moving entity (so every tick has a snapshot), one tick of delay: last tick's packet
    /// acks reach the server before this tick's corrections, as in one client packet (unless a step says otherwise).
    /// Corrections travel reliably: held ones arrive, in order, at the first step that does not hold them.
    /// </summary>
    /// <summary>
    /// Through an authenticated transport a snapshot that fails to decode while everything it names is held means the
    /// client's state is not what the server believes it applied (a forged snapshot that decoded, or a bug): the client
    /// disowns every snapshot it applied, so its correction names none and the server sends full states again, instead
    /// of deltas against that state for good (SnapshotFuzzTests found a client failing every few snapshots after
    /// forged ones had been applied).
    /// </summary>
    [Fact]
    public void A_malformed_snapshot_makes_the_client_disown_what_it_applied_and_the_server_resend_full_states()
    {
        using var rig = new Rig();
        for (int i = 0; i < 20; i++) rig.Step();
        var ack = new byte[16];
        Assert.Equal(13, rig.Client.WriteAck(ack));
        Assert.NotEqual(0UL, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(ack.AsSpan(5)));

        long unacknowledged = rig.Server.Counters.Unacknowledged;
        rig.Step(drop: true);
        Assert.Equal(13, rig.Client.WriteAck(ack));
        Assert.Equal(0UL, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(ack.AsSpan(5))); // nothing applied

        for (int i = 0; i < 30; i++) rig.Step();
        Assert.True(rig.Server.Counters.Unacknowledged > unacknowledged, "the server kept the client's acknowledgements");
        var applied = string.Concat(Enumerable.Range(0, 30).Select(age => rig.Client.HasApplied(rig.Server.Tick - (uint)age) ? 'a' : '.'));
        Assert.True(applied.StartsWith("aaaaaaaaaa", StringComparison.Ordinal), $"applied, newest first: {applied}");
        DirectReplicationTests.AssertConverged(rig.ServerWorld, rig.Server, rig.ClientWorld, rig.Client);
    }

    private sealed class Rig : IDisposable
    {
        private readonly ConnectionId connection = new(1, 1);
        private readonly Entity mover;
        private readonly Queue<uint> deliveries = new();
        private readonly Queue<uint> lateDeliveries = new();
        private readonly Queue<byte[]> corrections = new();
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

        /// <summary>One tick.</summary>
        /// <param name="drop">This tick's snapshot is delivered (its packet acknowledged) but the client drops it.</param>
        /// <param name="correctionsHeld">Corrections are held up (retransmitted) for now.</param>
        /// <param name="lose">This tick's snapshot is lost on the way.</param>
        /// <param name="ackAfterCorrection">This tick's packet ack reaches the server after the next tick's correction.</param>
        public void Step(bool drop = false, bool correctionsHeld = false, bool lose = false, bool ackAfterCorrection = false)
        {
            tick++;
            if (moving) ServerWorld.Get<Position2>(mover).Value += new Vector2(0.5f, 0.25f);
            var sink = new Sink();
            Server.Update(sink);
            while (deliveries.TryDequeue(out uint delivered))
            {
                Server.ReceiveDelivery(connection, delivered);
            }

            if (Client.TakeCorrection(tick * TickSeconds))
            {
                corrections.Enqueue(ack.AsSpan(0, Client.WriteAck(ack)).ToArray());
            }

            while (!correctionsHeld && corrections.TryDequeue(out var correction))
            {
                Server.ReceiveAck(connection, correction);
            }

            while (lateDeliveries.TryDequeue(out uint delivered))
            {
                Server.ReceiveDelivery(connection, delivered);
            }

            if (sink.Snapshot is not { } snapshot || lose)
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

            (ackAfterCorrection ? lateDeliveries : deliveries).Enqueue(Server.Tick);
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
