using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Transport.Conformance;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>A server and three clients over a lossy, jittery, reordering simulated link, on every transport (conformance).</summary>
public class EndToEndReplicationTests
{
    private const float Radius = 300f;

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void ClientsConvergeOnTheRelevantQuantizedStateThroughChurnAndLoss(WireKind wire) => ConvergeThroughChurnAndLoss(wire, snapshotRate: 0);

    /// <summary>
    /// Below the tick rate (a snapshot every second tick, the connections taking turns) every change still arrives:
    /// relevancy, despawns and baselines follow the ticks a connection is sent, not every tick.
    /// </summary>
    [Fact]
    public void ClientsConvergeThroughChurnAndLossAtHalfTheTickRate() => ConvergeThroughChurnAndLoss(WireKind.InMemory, snapshotRate: 30);

    private static void ConvergeThroughChurnAndLoss(WireKind wire, int snapshotRate)
    {
        var conditions = new LinkConditions { LatencyMs = 50, JitterMs = 10, LossPercent = 10, ReorderPercent = 5 };
        var options = new ServerReplicationOptions
        {
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, Radius),
            MaxSnapshotBytes = 1100,
            BytesPerSecond = 96 * 1024,
            SnapshotRate = snapshotRate,
        };
        using var setup = new ReplicationWorld(conditions, options, wire: wire);
        var players = new Dictionary<ulong, (ConnectionId Connection, Entity Entity)>();
        var random = new Random(2026);
        setup.Server.ClientConnected += (connection, clientId) =>
            players[clientId] = (connection, setup.ServerWorld.Create(
                new Position2 { Value = new Vector2(-600 + ((int)clientId * 400), 0) },
                new Health { Value = 100 + (int)clientId },
                new Badge { Color = (int)clientId },
                new NetworkOwner(connection)));
        for (ulong id = 1; id <= 3; id++)
        {
            setup.AddClient(id, seed: 10 + (int)id);
        }

        Assert.True(setup.TickUntil(() => players.Count == 3, 600), "clients did not connect");

        // 1,000 random spawns and despawns while everything moves.
        var props = new List<Entity>();
        int spawned = 0;
        while (spawned < 1000)
        {
            for (int i = 0; i < 5 && spawned < 1000; i++, spawned++)
            {
                var position = new Vector2(random.Next(-1000, 1000), random.Next(-1000, 1000));
                props.Add(random.Next(10) == 0
                    ? setup.ServerWorld.Create(new Badge { Color = spawned % 200 }) // no position: relevant everywhere
                    : setup.ServerWorld.Create(new Position2 { Value = position }));
            }

            for (int i = 0; i < 4 && props.Count > 0; i++)
            {
                int victim = random.Next(props.Count);
                setup.ServerWorld.Destroy(props[victim]);
                props[victim] = props[^1];
                props.RemoveAt(props.Count - 1);
            }

            foreach (var entity in props.Take(40))
            {
                if (setup.ServerWorld.Has<Position2>(entity))
                {
                    setup.ServerWorld.Get<Position2>(entity).Value += new Vector2(random.Next(-3, 4), random.Next(-3, 4));
                }
            }

            foreach (var (_, player) in players.Values)
            {
                setup.ServerWorld.Get<Position2>(player).Value += new Vector2(2.5f, 1.25f);
            }

            setup.Tick();
        }

        // Quiet link: no loss, and nothing moves; the clients must converge.
        conditions.LossPercent = 0;
        conditions.ReorderPercent = 0;
        setup.Tick(240);

        Assert.InRange(props.Count, 150, 260);
        for (int i = 0; i < setup.Clients.Count; i++)
        {
            AssertClientMirrorsServer(setup.ServerWorld, players[(ulong)i + 1].Entity, setup.Clients[i].World);
        }

        var counters = setup.Server.Replication.Counters;
        Assert.All(setup.Clients, c => Assert.True(c.Client.Replication.EntityCount > 10, $"{c.Client.Replication.EntityCount} entities"));
        Assert.All(setup.Clients, c => Assert.True(c.Client.Replication.Counters.Despawns > 50, $"{c.Client.Replication.Counters.Despawns} despawns"));
        Assert.True(counters.Records > 1000, $"{counters.Records} records");
        Assert.True(counters.LargestSnapshot <= options.MaxSnapshotBytes, $"largest snapshot {counters.LargestSnapshot} B");
        double seconds = setup.Server.Replication.Tick / 60.0;
        double perConnection = setup.Server.Replication.Counters.SnapshotBytes / 3.0;
        Assert.True(perConnection <= (options.BytesPerSecond * seconds) + (2 * options.MaxSnapshotBytes), $"{perConnection} B in {seconds} s");
        Assert.Equal(0, setup.Clients.Sum(c => c.Client.Replication.Counters.MalformedSnapshots));
        if (snapshotRate > 0)
        {
            // At most one snapshot per connection every second tick (quiet ticks send none at all).
            Assert.True(counters.Snapshots <= (3 * setup.Server.Replication.Tick / 2) + 3, $"{counters.Snapshots} snapshots in {setup.Server.Replication.Tick} ticks");
        }
    }

    private static void AssertClientMirrorsServer(World server, Entity player, World client)
    {
        var viewer = server.Get<Position2>(player).Value;
        var expected = new Dictionary<uint, Entity>();
        var all = new QueryDescription().WithAll<NetworkId>();
        server.Query(in all, (Entity entity, ref NetworkId id) =>
        {
            bool relevant = !server.Has<Position2>(entity)
                || Vector2.DistanceSquared(server.Get<Position2>(entity).Value, viewer) <= Radius * Radius
                || entity == player;
            if (relevant)
            {
                expected.Add(id.Value, entity);
            }
        });
        var actual = new Dictionary<uint, Entity>();
        client.Query(in all, (Entity entity, ref NetworkId id) => actual.Add(id.Value, entity));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, serverEntity) in expected)
        {
            var clientEntity = actual[id];
            bool owned = serverEntity == player;
            Assert.Equal(server.Has<Position2>(serverEntity), client.Has<Position2>(clientEntity));
            if (server.Has<Position2>(serverEntity))
            {
                Assert.Equal(Quantized(server.Get<Position2>(serverEntity)), client.Get<Position2>(clientEntity).Value);
            }

            // Audience: Health only to the owner, Badge to everyone but the owner.
            Assert.Equal(server.Has<Health>(serverEntity) && owned, client.Has<Health>(clientEntity));
            Assert.Equal(server.Has<Badge>(serverEntity) && !owned, client.Has<Badge>(clientEntity));
            if (client.Has<Health>(clientEntity))
            {
                Assert.Equal(server.Get<Health>(serverEntity).Value, client.Get<Health>(clientEntity).Value);
            }

            if (client.Has<Badge>(clientEntity))
            {
                Assert.Equal(server.Get<Badge>(serverEntity).Color, client.Get<Badge>(clientEntity).Color);
            }
        }
    }

    private static Vector2 Quantized(Position2 p)
    {
        Position2Serializer.Quantize(in p, out var snapshot);
        var copy = default(Position2);
        Position2Serializer.Dequantize(in snapshot, ref copy);
        return copy.Value;
    }
}
