using System.Numerics;
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
