using System.Numerics;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Entity references travel as network ids and resolve to the client's own entities.</summary>
public class EntityReferenceTests
{
    [Fact]
    public void AReferenceResolvesToTheMirrorOfTheReferencedEntity()
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry);
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        var sink = new LoopbackSink(server, client, connection);

        var leader = serverWorld.Create(new Position2 { Value = new Vector2(10, 20) });
        server.Update(sink); // gives the leader its network id
        var follower = serverWorld.Create(new Position2(), new Follow { Target = server.NetworkIdOf(leader) });
        for (int i = 0; i < 5; i++)
        {
            server.Update(sink);
        }

        var clientFollower = client.Find(server.NetworkIdOf(follower));
        var target = client.Find(clientWorld.Get<Follow>(clientFollower).Target);
        Assert.NotEqual(Entity.Null, target);
        Assert.True(Vector2.Distance(new Vector2(10, 20), clientWorld.Get<Position2>(target).Value) <= 0.01f);

        // The referenced entity goes away: the reference no longer resolves.
        serverWorld.Destroy(leader);
        for (int i = 0; i < 5; i++)
        {
            server.Update(sink);
        }

        Assert.Equal(Entity.Null, client.Find(clientWorld.Get<Follow>(clientFollower).Target));
        Assert.False(clientWorld.IsAlive(target));
    }

    private sealed class LoopbackSink(ServerReplication server, ClientReplication client, ConnectionId connection) : ISnapshotSink
    {
        private readonly byte[] ack = new byte[16];

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot)
        {
            client.ReceiveSnapshot(snapshot, 0, 0);
            server.ReceiveAck(connection, ack.AsSpan(0, client.WriteAck(ack)));
        }
    }
}
