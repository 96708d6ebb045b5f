using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Server and client replication wired directly (no transport): the codec and bookkeeping alone.</summary>
public class DirectReplicationTests
{
    private static readonly ReplicationRegistry Registry =
        ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    [Theory]
    [InlineData(DeltaCoder.Static, 0.0)]
    [InlineData(DeltaCoder.Adaptive, 0.0)]
    [InlineData(DeltaCoder.Static, 0.3)]
    [InlineData(DeltaCoder.Adaptive, 0.3)]
    public void ClientConvergesOnTheServersQuantizedValues(DeltaCoder coder, double loss)
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, Registry, new ServerReplicationOptions { Coder = coder });
        var client = new ClientReplication(clientWorld, Registry);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        var random = new Random(42);
        var entities = new List<Entity>();
        for (int i = 0; i < 300; i++)
        {
            entities.Add(serverWorld.Create(new Position2 { Value = new Vector2(i, -i) }));
        }

        var pipe = new Pipe(server, client, connection, random, loss);
        for (int tick = 0; tick < 300; tick++)
        {
            // Move a few entities each tick, spawn and destroy some.
            foreach (var entity in entities.Take(20))
            {
                serverWorld.Get<Position2>(entity).Value += new Vector2(0.37f, -0.11f);
            }

            if (tick % 10 == 0 && tick < 200)
            {
                serverWorld.Destroy(entities[^1]);
                entities.RemoveAt(entities.Count - 1);
                entities.Add(serverWorld.Create(new Position2 { Value = new Vector2(tick, tick) }));
            }

            server.Update(pipe);
            pipe.Deliver(tick < 250);
        }

        AssertConverged(serverWorld, server, clientWorld, client);

        // Every body bit is attributed: to the entity lists or to a component type (here Position2 only).
        var counters = server.Counters;
        int position = Registry.Find(Component<Position2>.Id)!.Index;
        long attributed = counters.EntityListBits + counters.ComponentBits.Sum();
        long headers = counters.Snapshots * 48;
        Assert.Equal(counters.ComponentBits.Sum(), counters.ComponentBits[position]);
        Assert.InRange(attributed, (counters.SnapshotBytes * 8) - headers - (counters.Snapshots * 48), counters.SnapshotBytes * 8);
    }

    internal static void AssertConverged(World serverWorld, ServerReplication server, World clientWorld, ClientReplication client)
    {
        var serverQuery = new QueryDescription().WithAll<NetworkId, Position2>();
        var expected = new Dictionary<uint, Vector2>();
        serverWorld.Query(in serverQuery, (ref NetworkId id, ref Position2 p) => expected[id.Value] = Quantized(p));
        var actual = new Dictionary<uint, Vector2>();
        clientWorld.Query(in serverQuery, (ref NetworkId id, ref Position2 p) => actual.Add(id.Value, p.Value));
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (id, value) in expected)
        {
            Assert.True(actual.TryGetValue(id, out var got), $"entity {id} missing on the client");
            Assert.Equal(value, got);
        }
    }

    private static Vector2 Quantized(Position2 p)
    {
        Position2Serializer.Quantize(in p, out var snapshot);
        var copy = default(Position2);
        Position2Serializer.Dequantize(in snapshot, ref copy);
        return copy.Value;
    }

    /// <summary>Carries snapshots to the client and acks back with loss, one tick of delay each way.</summary>
    private sealed class Pipe(ServerReplication server, ClientReplication client, ConnectionId connection, Random random, double loss) : ISnapshotSink
    {
        private readonly Queue<byte[]> inFlight = new();

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot) => inFlight.Enqueue(snapshot.ToArray());

        public void Deliver(bool lossy)
        {
            Span<byte> ack = stackalloc byte[16];
            while (inFlight.TryDequeue(out var snapshot))
            {
                if (lossy && random.NextDouble() < loss)
                {
                    continue;
                }

                client.ReceiveSnapshot(snapshot, 0, 0);
                int length = client.WriteAck(ack);
                if (!(lossy && random.NextDouble() < loss))
                {
                    Assert.True(server.ReceiveAck(connection, ack[..length]));
                }
            }
        }
    }
}
