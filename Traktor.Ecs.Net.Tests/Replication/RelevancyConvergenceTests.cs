using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// Entities that keep leaving and re-entering a client's view (the viewer sweeps back and forth past them), at every
/// snapshot rate, over a link that loses, delays, duplicates and reorders: once the link is clean and everything rests,
/// the client holds exactly the entities in range, at the server's values. Each crossing is a despawn and a respawn of
/// the same network id, so acknowledgements of an older crossing arrive while a newer one is pending; short-lived
/// entities (shots) come and go near the viewer, some in between two of the client's snapshots.
/// </summary>
public class RelevancyConvergenceTests
{
    private const float Radius = 50f;

    [Fact]
    public void Clients_converge_while_entities_keep_crossing_the_edge_of_their_view()
    {
        Gen.Select(Gen.Int, Gen.Int[0, 30], Gen.Int[0, 4], Gen.Int[0, 10], Gen.Int[1, 3])
            .Sample(Converges, iter: 300);
    }

    private static void Converges(int seed, int loss, int delay, int duplicates, int interval)
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var options = new ServerReplicationOptions
        {
            SnapshotRate = 60 / interval,
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, Radius),
        };
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry, options);
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        var connection = EntityListReplicationTests.Connection;
        server.AddConnection(connection);
        var random = new Random(seed);

        // A row of posts along x in 0..200 and a viewer sweeping along it: each post is in view for a while, then not.
        var posts = Enumerable.Range(0, 40).Select(i => serverWorld.Create(new Position2 { Value = new Vector2(i * 5, random.Next(-20, 21)) })).ToList();
        var viewer = serverWorld.Create(new Position2 { Value = Vector2.Zero }, new NetworkOwner(connection));
        var link = new EntityListReplicationTests.Link(server, client, random, loss, delay, duplicates, dropPercent: 0);
        var shots = new List<(Entity Entity, int DiesAt)>(); // short-lived entities near the viewer, like bullets
        for (int tick = 0; tick < 600; tick++)
        {
            shots.RemoveAll(shot =>
            {
                bool dies = shot.DiesAt <= tick;
                if (dies) serverWorld.Destroy(shot.Entity);
                return dies;
            });
            if (tick < 400 && random.Next(3) == 0)
            {
                var from = serverWorld.Get<Position2>(viewer).Value + new Vector2(random.Next(-60, 61), random.Next(-10, 11));
                shots.Add((serverWorld.Create(new Position2 { Value = from }), tick + 1 + random.Next(40)));
            }

            foreach (var (shot, _) in shots)
            {
                serverWorld.Get<Position2>(shot).Value += new Vector2(3, 0);
            }

            if (tick == 400)
            {
                link.Clean();
            }

            if (tick < 500)
            {
                // Back and forth with a little dither, so posts near the edge flicker in and out.
                float x = 100 + (100 * MathF.Sin(tick * 0.07f)) + random.Next(-3, 4);
                serverWorld.Get<Position2>(viewer).Value = new Vector2(x, 0);
                foreach (var post in posts.Where(_ => random.Next(4) == 0))
                {
                    serverWorld.Get<Position2>(post).Value += new Vector2(0, random.Next(-1, 2));
                }
            }

            link.Tick(tick);
        }

        string run = $"loss {loss} %, delay {delay}, duplicates {duplicates} %, interval {interval}";
        AssertHoldsWhatIsInRange(serverWorld, viewer, clientWorld, client, run);
        Assert.True(client.Counters.MalformedSnapshots == 0, $"{client.Counters.MalformedSnapshots} malformed snapshots ({run})");
    }

    private static void AssertHoldsWhatIsInRange(World serverWorld, Entity viewer, World clientWorld, ClientReplication client, string run)
    {
        var at = serverWorld.Get<Position2>(viewer).Value;
        var query = new QueryDescription().WithAll<NetworkId, Position2>();
        var expected = new Dictionary<uint, Vector2>();
        serverWorld.Query(in query, (Entity entity, ref NetworkId id, ref Position2 p) =>
        {
            if (entity == viewer || Vector2.DistanceSquared(p.Value, at) <= Radius * Radius)
            {
                expected[id.Value] = p.Value;
            }
        });
        var actual = new Dictionary<uint, Vector2>();
        clientWorld.Query(in query, (ref NetworkId id, ref Position2 p) => actual.Add(id.Value, p.Value));
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()),
            $"expected [{string.Join(",", expected.Keys.Order())}] got [{string.Join(",", actual.Keys.Order())}] ({client.Counters.Corrections} corrections; {run})");
        foreach (var (id, value) in expected)
        {
            Assert.True(Vector2.Distance(value, actual[id]) < 0.05f, $"entity {id}: {actual[id]} against {value}");
        }
    }
}
