using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// A connection remembers an entity it was never sent only while it still waits for it: entities that pass through a
/// busy connection's range unsent, or are destroyed while waiting, are forgotten, so its slot table follows what it sees
/// now, not everything it ever saw.
/// </summary>
public class SlotStateAgingTests
{
    private const float Radius = 10;

    [Fact]
    public void Entities_that_passed_through_range_unsent_are_forgotten()
    {
        using var world = World.Create();
        var (server, connection, sink) = Start(world);
        var entities = Enumerable.Range(0, 400).Select(i => world.Create(new Position2 { Value = new Vector2(1000 + i, 0) })).ToList();

        // Waves of 20 come into range for one tick each; the budget sends a few of each wave.
        for (int wave = 0; wave < 20; wave++)
        {
            for (int i = 0; i < 20; i++)
            {
                world.Get<Position2>(entities[(wave * 20) + i]).Value = new Vector2(i * 0.4f, 1);
            }

            sink.Update();
            for (int i = 0; i < 20; i++)
            {
                world.Get<Position2>(entities[(wave * 20) + i]).Value = new Vector2(1000 + (wave * 20) + i, 0);
            }

            sink.Update();
        }

        var state = server.StateOf(connection)!;
        int sent = (int)server.Counters.Records;
        Assert.True(sent < 200, $"the budget was meant to leave most of each wave unsent, yet {sent} records went");
        sink.Update(130); // two sweeps' time
        Assert.True(state.Slots.Count <= state.Known.Count + 1, $"{state.Slots.Count} slots remembered, {state.Known.Count} known");
    }

    [Fact]
    public void An_entity_destroyed_while_waiting_is_forgotten_at_once()
    {
        using var world = World.Create();
        var (server, connection, sink) = Start(world);
        var waiting = Enumerable.Range(0, 60).Select(i => world.Create(new Position2 { Value = new Vector2((i % 10) * 0.5f, i / 10) })).ToList();
        sink.Update(3);
        var state = server.StateOf(connection)!;
        Assert.True(state.Slots.Count - state.Known.Count > 20, $"only {state.Slots.Count - state.Known.Count} entities waited");

        foreach (var entity in waiting)
        {
            world.Destroy(entity);
        }

        sink.Update();
        Assert.True(state.Slots.Count <= state.Known.Count + 1, $"{state.Slots.Count} slots remembered, {state.Known.Count} known");
    }

    /// <summary>A server whose one connection views from the origin and may send about 30 bytes a tick.</summary>
    private static (ServerReplication Server, ConnectionId Connection, Sink Sink) Start(World world)
    {
        var options = new ServerReplicationOptions
        {
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, Radius),
            MaxSnapshotBytes = 100,
            BytesPerSecond = 30 * 60,
        };
        var server = new ServerReplication(world, ReplicationWorld.Registry, options);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        world.Create(new Position2(), new NetworkOwner(connection));
        return (server, connection, new Sink(server, connection));
    }

    /// <summary>Acknowledges every snapshot as soon as it is sent, the way a perfect link would.</summary>
    private sealed class Sink(ServerReplication server, ConnectionId connection) : ISnapshotSink
    {
        private bool sent;

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot) => sent = true;

        public void Update(int ticks = 1)
        {
            for (int i = 0; i < ticks; i++)
            {
                server.Update(this);
                if (sent)
                {
                    server.ReceiveDelivery(connection, server.Tick);
                    sent = false;
                }
            }
        }
    }
}
