using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>A single snapshot with a far-future tick cannot freeze a client; a real jump is followed.</summary>
public class TickJumpTests
{
    [Fact]
    public void OneCorruptedTickIsHeldBackAndAConfirmedJumpIsFollowed()
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry);
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        server.AddConnection(new ConnectionId(1, 1));
        var mover = serverWorld.Create(new Position2 { Value = new Vector2(1, 1) });
        var sink = new Capture();
        var ack = new byte[16];
        for (int i = 0; i < 10; i++)
        {
            serverWorld.Get<Position2>(mover).Value += Vector2.One;
            server.Update(sink);
            Assert.True(client.ReceiveSnapshot(sink.Last, 0, 0));
            Assert.True(server.ReceiveAck(new ConnectionId(1, 1), ack.AsSpan(0, client.WriteAck(ack))));
        }

        // A corrupted copy claims tick +100,000: held back, and the real stream goes on.
        var forged = (byte[])sink.Last.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(1), client.NewestTick + 100_000);
        Assert.False(client.ReceiveSnapshot(forged, 0, 0));
        Assert.Equal(1, client.Counters.SuspiciousTicks);
        serverWorld.Get<Position2>(mover).Value += Vector2.One;
        server.Update(sink);
        Assert.True(client.ReceiveSnapshot(sink.Last, 0, 0), "the real stream was frozen by one forged tick");

        // A real jump (the client stalled for minutes): the second far-ahead snapshot confirms it.
        for (int i = 0; i < 600; i++)
        {
            server.Update(sink);
        }

        serverWorld.Get<Position2>(mover).Value += Vector2.One;
        server.Update(sink);
        Assert.False(client.ReceiveSnapshot(sink.Last, 0, 0));
        serverWorld.Get<Position2>(mover).Value += Vector2.One;
        server.Update(sink);
        Assert.True(client.ReceiveSnapshot(sink.Last, 0, 0), "a confirmed jump was not followed");
        Assert.Equal(server.Tick, client.NewestTick);
    }

    private sealed class Capture : ISnapshotSink
    {
        public byte[] Last { get; private set; } = [];

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => Last = snapshot.ToArray();
    }
}
