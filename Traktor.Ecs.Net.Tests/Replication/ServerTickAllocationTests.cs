using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// A whole server tick (receive, acknowledgements, replication, sealing and sending) allocates nothing once warm, with
/// many secure connections whose visible sets keep changing: the capacity run's set-up (issue 16), in process.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class ServerTickAllocationTests
{
    private const int Clients = 64; // the default MaxClients
    private const float Radius = 100f;

    [Fact]
    public void ServerTicksWithManyMovingPlayersAllocateNothingOnceWarm()
    {
        using var setup = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions
        {
            TickRate = 60,
            Relevancy = new SpatialRelevancy<Position2>(p => p.Value, Radius),
        });
        // About a dozen players in view of each other, as in the capacity run. They wander (a random walk, never
        // repeating), so the number any connection sees keeps reaching new highs now and then: each new high made
        // every entry of that connection's log of sent snapshots grow in turn, kilobytes per tick at 100 clients.
        float half = MathF.Sqrt(Clients * MathF.PI * Radius * Radius / 12f) / 2f;
        var random = new Random(16);
        var players = new List<Entity>();
        setup.Server.ClientConnected += (connection, _) => players.Add(setup.ServerWorld.Create(
            new Position2 { Value = new Vector2((float)(random.NextDouble() * 2 - 1) * half, (float)(random.NextDouble() * 2 - 1) * half) },
            new NetworkOwner(connection)));
        for (int i = 1; i <= Clients; i++) setup.AddClient((ulong)i, seed: i);
        Assert.True(setup.TickUntil(() => players.Count == Clients, 600), $"only {players.Count} of {Clients} connected");

        long allocated = 0, atReceived = 0, atSending = 0, inReceive = 0, inReplication = 0;
        setup.Server.Received += () => atReceived = GC.GetAllocatedBytesForCurrentThread();
        setup.Server.Sending += () => atSending = GC.GetAllocatedBytesForCurrentThread();
        void Tick(bool measure)
        {
            for (int i = 0; i < players.Count; i++)
            {
                ref var position = ref setup.ServerWorld.Get<Position2>(players[i]).Value;
                position += new Vector2(random.Next(-4, 5), random.Next(-4, 5));
                position = Vector2.Clamp(position, new Vector2(-half), new Vector2(half));
            }

            setup.Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            setup.Harness.Wire.Settle();
            foreach (var (_, _, group) in setup.Clients) group.Tick(in dt);
            setup.Harness.Wire.Settle();
            long before = GC.GetAllocatedBytesForCurrentThread();
            setup.ServerGroup.Tick(in dt); // only the server's tick is measured
            if (measure)
            {
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                inReceive += atReceived - before;
                inReplication += atSending - atReceived;
            }
        }

        for (int i = 0; i < 300; i++) Tick(measure: false);
        var replication = setup.Server.Replication;
        long snapshots = replication.Counters.Snapshots;
        for (int i = 0; i < 300; i++) Tick(measure: true);

        Assert.Equal(Clients, setup.Server.Connections.Count);
        Assert.True(replication.Counters.Snapshots - snapshots > 100 * Clients, $"{replication.Counters.Snapshots - snapshots} snapshots sent");
        Assert.True(allocated == 0, $"{allocated} bytes allocated in 300 warm server ticks with {Clients} connections ({allocated / 300} per tick; {inReceive} receive, {inReplication} replication)");

        // Each connection remembers only the slots it was sent, has in range or keeps a priority for: a few dozen at
        // most, not one of each of ten arrays per entity slot of the world as before (170 MB at 2,000 clients).
        foreach (var connection in setup.Server.Connections)
        {
            var state = replication.StateOf(connection)!;
            Assert.InRange(state.Slots.Count, state.Known.Count, Clients / 2);
        }
    }
}
