using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// <see cref="ServerReplicationOptions.SnapshotRate"/> below the tick rate: each connection gets a snapshot every interval
/// ticks, and the connections take turns so every tick serves about the same number of them.
/// </summary>
public class SnapshotRateTests
{
    [Theory]
    [InlineData(60, 0, 1)]
    [InlineData(60, 60, 1)]
    [InlineData(60, 120, 1)]
    [InlineData(60, 30, 2)]
    [InlineData(60, 25, 2)] // 2.4 ticks: the nearest whole interval
    [InlineData(60, 20, 3)]
    [InlineData(30, 1, 30)]
    public void The_interval_is_the_tick_rate_over_the_snapshot_rate_rounded(int tickRate, int snapshotRate, int interval)
    {
        Assert.Equal(interval, new ServerReplicationOptions { TickRate = tickRate, SnapshotRate = snapshotRate }.SnapshotInterval);
    }

    /// <summary>
    /// The longest interval the options allow (a configuration, not something a client controls; a tick rate of 4,000,000
    /// was taken before it was bounded, and its interval used to be counted on the stack and overflowed it).
    /// </summary>
    [Fact]
    public void The_longest_interval_still_spreads_connections_over_its_phases()
    {
        using var world = World.Create();
        var server = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions { TickRate = ServerReplicationOptions.TickRateLimit, SnapshotRate = 1 });
        var first = new ConnectionId(1, 1);
        var second = new ConnectionId(2, 1);
        server.AddConnection(first);
        server.AddConnection(second);
        Assert.NotEqual(server.StateOf(first)!.SendPhase, server.StateOf(second)!.SendPhase);
    }

    [Fact]
    public void Each_connection_gets_every_second_tick_and_the_connections_take_turns()
    {
        using var world = World.Create();
        var server = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions { SnapshotRate = 30 });
        var connections = Enumerable.Range(1, 5).Select(i => new ConnectionId(i, 1)).ToList();
        connections.ForEach(server.AddConnection);
        var mover = world.Create(new Position2 { Value = Vector2.Zero });
        var sink = new Recorder(() => server.Tick);
        var announced = new List<(ConnectionId Connection, uint Tick)>();
        for (int i = 0; i < 40; i++)
        {
            world.Get<Position2>(mover).Value += new Vector2(1, 0); // a change every tick: every send tick has something to say
            server.Update(sink);
            sink.AcknowledgeAll(server);
            announced.AddRange(connections.Where(server.SendsSnapshotThisTick).Select(c => (c, server.Tick)));
        }

        // The ticks the server says carry a connection's snapshot are exactly those that did.
        Assert.Equal(announced, sink.Sent);
        foreach (var connection in connections)
        {
            var ticks = sink.Sent.Where(s => s.Connection == connection).Select(s => s.Tick).ToList();
            Assert.Equal(20, ticks.Count);
            Assert.All(ticks.Zip(ticks.Skip(1)), pair => Assert.Equal(2u, pair.Second - pair.First));
        }

        // Five connections over two phases: three one tick, two the next.
        var perTick = sink.Sent.GroupBy(s => s.Tick).Select(g => g.Count()).Distinct().Order();
        Assert.Equal([2, 3], perTick);

        // A newcomer takes the lighter phase, and a connection the server does not replicate to (a host's own player)
        // is always "this tick".
        var newcomer = new ConnectionId(9, 1);
        server.AddConnection(newcomer);
        sink.Sent.Clear();
        for (int i = 0; i < 2; i++)
        {
            world.Get<Position2>(mover).Value += new Vector2(1, 0);
            server.Update(sink);
            sink.AcknowledgeAll(server);
        }

        Assert.Equal([3, 3], sink.Sent.GroupBy(s => s.Tick).Select(g => g.Count()));
        Assert.True(server.SendsSnapshotThisTick(new ConnectionId(77, 1)));
    }

    private sealed class Recorder(Func<uint> tick) : ISnapshotSink
    {
        public List<(ConnectionId Connection, uint Tick)> Sent { get; } = new();

        private readonly List<(ConnectionId Connection, uint Tick)> unacknowledged = new();

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
            Sent.Add((connection, tick()));
            unacknowledged.Add((connection, tick()));
        }

        /// <summary>Every snapshot arrives at once (so the next tick's changes go out as deltas).</summary>
        public void AcknowledgeAll(ServerReplication server)
        {
            unacknowledged.ForEach(s => server.ReceiveDelivery(s.Connection, s.Tick));
            unacknowledged.Clear();
        }
    }
}
