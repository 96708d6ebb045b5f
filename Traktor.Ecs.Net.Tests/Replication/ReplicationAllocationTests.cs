using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Steady-state replication ticks allocate nothing, on the server and on the client.</summary>
public class ReplicationAllocationTests
{
    [Fact]
    public void ServerAndClientTicksAllocateNothingOnceWarm()
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry, new ServerReplicationOptions
        {
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, 150f),
        });
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        var sink = new DirectSink(server, client);
        var random = new Random(3);
        var movers = new Entity[2000];
        for (int i = 0; i < movers.Length; i++)
        {
            movers[i] = serverWorld.Create(new Position2 { Value = new Vector2(random.Next(-1000, 1000), random.Next(-1000, 1000)) });
        }

        // Interpolated and sent every 4th tick: the client presents them each frame at their own delay.
        var markers = new Entity[50];
        for (int i = 0; i < markers.Length; i++)
        {
            markers[i] = serverWorld.Create(new SlowMarker { Value = new Vector2(i, -i) });
        }

        for (int c = 1; c <= 8; c++)
        {
            server.AddConnection(new ConnectionId(c, 1));
            serverWorld.Add(movers[c * 100], new NetworkOwner(new ConnectionId(c, 1)));
        }

        void Tick(int frame)
        {
            var step = new Vector2(MathF.Sin(frame * 0.05f), MathF.Cos(frame * 0.05f));
            foreach (var entity in movers)
            {
                serverWorld.Get<Position2>(entity).Value += step;
            }

            foreach (var entity in markers)
            {
                serverWorld.Get<SlowMarker>(entity).Value += step;
            }

            server.Update(sink);
            sink.AckAll();
            client.Interpolate(frame / 60.0);
        }

        for (int frame = 0; frame < 600; frame++)
        {
            Tick(frame);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int frame = 600; frame < 700; frame++)
        {
            Tick(frame);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0 && client.EntityCount > 10, $"{allocated} bytes allocated in 100 warm ticks, {client.EntityCount} entities on the client");
    }

    /// <summary>Connection 1's snapshots go to the client; every connection acknowledges at once.</summary>
    private sealed class DirectSink(ServerReplication server, ClientReplication client) : ISnapshotSink
    {
        private readonly byte[] ack = new byte[13];
        private readonly List<ConnectionId> seen = new();

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
        {
            if (connection.Slot == 1)
            {
                client.ReceiveSnapshot(snapshot, 0, 0);
            }

            if (!seen.Contains(connection))
            {
                seen.Add(connection);
            }
        }

        public void AckAll()
        {
            ack[0] = 0x52;
            BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(1), server.Tick);
            BinaryPrimitives.WriteUInt64LittleEndian(ack.AsSpan(5), ulong.MaxValue);
            foreach (var connection in seen)
            {
                server.ReceiveAck(connection, ack);
            }
        }
    }
}
