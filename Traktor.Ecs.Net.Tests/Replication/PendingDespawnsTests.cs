using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// More despawns pending than a snapshot carries (<see cref="ServerReplicationOptions.MaxDespawnsPerSnapshot"/>): the
/// snapshot carries the oldest, so under a steady stream of new despawns every one still reaches the client in a bounded
/// time instead of waiting behind newer ones for as long as the stream lasts.
/// </summary>
public class PendingDespawnsTests
{
    [Fact]
    public void Under_a_steady_stream_of_despawns_the_oldest_go_first()
    {
        using var world = World.Create();
        const int PerSnapshot = 4;
        var server = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions { MaxDespawnsPerSnapshot = PerSnapshot });
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        var sink = new AcknowledgingSink(server, connection);
        var alive = new Queue<Entity>();
        for (int i = 0; i < 400; i++)
        {
            alive.Enqueue(world.Create(new Position2 { Value = new Vector2(i, 0) }));
        }

        for (int i = 0; i < 120; i++)
        {
            sink.Update(); // the client gets all 400 (the budget spreads the spawns over a few snapshots)
        }

        Assert.Equal(400, server.StateOf(connection)!.Slots.Count);

        // A burst of 20 despawns, then as many a tick as a snapshot carries: the backlog stays, each despawn waits
        // about backlog / per-snapshot ticks when they go in order.
        var queuedAt = new Dictionary<uint, uint>();
        var waited = new List<uint>();
        void Despawn(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var entity = alive.Dequeue();
                queuedAt[world.Get<NetworkId>(entity).Value] = server.Tick + 1;
                world.Destroy(entity);
            }
        }

        Despawn(20);
        for (int tick = 0; tick < 60; tick++)
        {
            Despawn(PerSnapshot);
            sink.Update();
            var pending = server.StateOf(connection)!.PendingDespawns;
            foreach (var (netId, at) in queuedAt.ToList())
            {
                if (!pending.Contains(netId))
                {
                    waited.Add(server.Tick - at);
                    queuedAt.Remove(netId);
                }
            }
        }

        Assert.True(waited.Count > 200, $"{waited.Count} despawns delivered");
        uint longest = Math.Max(waited.Max(), queuedAt.Values.Select(at => server.Tick - at).DefaultIfEmpty(0u).Max());
        Assert.True(longest <= 10, $"a despawn waited {longest} ticks ({queuedAt.Count} never delivered)");
    }

    [Fact]
    public void The_queue_behaves_like_a_list_in_queue_order_and_its_ring_stays_bounded()
    {
        // Operations on ids 1..40: add (at a tick), cancel, acknowledge (by a snapshot tick). The ring with holes and
        // a map must keep the order, the ticks and the membership of a plain list searched linearly (what it replaced).
        var operation = Gen.Select(Gen.Int[0, 2], Gen.UInt[1, 40], Gen.UInt[0, 50]);
        operation.Array[0, 400].Sample(operations =>
        {
            var pending = new PendingDespawns();
            var model = new List<(uint Id, uint Tick)>();
            int most = 0;
            foreach (var (kind, id, tick) in operations)
            {
                int at = model.FindIndex(e => e.Id == id);
                switch (kind)
                {
                    case 0:
                        pending.Add(id, tick);
                        if (at < 0) model.Add((id, tick));
                        break;
                    case 1:
                        pending.Cancel(id);
                        if (at >= 0) model.RemoveAt(at);
                        break;
                    default:
                        bool ends = at >= 0 && (int)(model[at].Tick - tick) <= 0;
                        Assert.Equal(ends, pending.Acknowledge(id, tick));
                        if (ends) model.RemoveAt(at);
                        break;
                }

                most = Math.Max(most, model.Count);
                Assert.Equal(model.Count, pending.Count);
                var oldest = new uint[model.Count + 1];
                Assert.Equal(model.Count, pending.CopyOldest(oldest));
                Assert.Equal(model.Select(e => e.Id), oldest.Take(model.Count));
            }

            Assert.True(pending.Capacity <= Math.Max(64, 3 * most), $"ring of {pending.Capacity} for at most {most} pending");
        }, iter: 300);
    }

    /// <summary>Acknowledges every snapshot as soon as it is sent, the way a perfect link would.</summary>
    private sealed class AcknowledgingSink(ServerReplication server, ConnectionId connection) : ISnapshotSink
    {
        private bool sent;

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot) => sent = true;

        public void Update()
        {
            server.Update(this);
            if (sent)
            {
                Assert.True(server.ReceiveDelivery(connection, server.Tick));
                sent = false;
            }
        }
    }
}
