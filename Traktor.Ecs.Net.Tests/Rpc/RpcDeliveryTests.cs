using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>RPCs as event entities over lossy links: exactly once, in order, unreliable never blocked.</summary>
public class RpcDeliveryTests
{
    /// <summary>Below the tick rate the RPCs of the ticks between two snapshots leave together: same order, none lost.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(20)]
    [InlineData(10)]
    public void TenThousandReliableRpcsUnderTwentyPercentLossArriveExactlyOnceAndInOrder(int snapshotRate)
    {
        using var setup = new RpcWorld(new LinkConditions { LossPercent = 20, LatencyMs = 30, JitterMs = 5 }, replication: new ServerReplicationOptions { SnapshotRate = snapshotRate });
        var peer = setup.Connect(1, seed: 7);
        var recorder = new RpcRecorder<OrderedPing>(peer.World);
        peer.Group.Add(recorder);

        const int total = 10_000;
        uint next = 0;
        for (int tick = 0; next < total; tick++)
        {
            // 100 per tick: a burst the reliable window absorbs without tripping the send-queue bound.
            for (int i = 0; i < 100 && next < total; i++)
            {
                setup.ServerWorld.SendRpc(new OrderedPing { Index = next++ }, RpcTarget.AllClients);
            }

            setup.Tick();
        }

        Assert.True(setup.TickUntil(() => recorder.Received.Count >= total, 3000), $"only {recorder.Received.Count} of {total} arrived");
        setup.Tick(30);
        Assert.Equal(total, recorder.Received.Count);
        for (int i = 0; i < total; i++)
        {
            Assert.Equal((uint)i, recorder.Received[i].Rpc.Index);
        }

        Assert.All(recorder.Received, r => Assert.False(r.Source.IsLocal));
        Assert.Equal(0, peer.Rpcs.Counters.Dropped);
        Assert.Equal(total, setup.ServerRpcs.Counters.Sent);
        Assert.Equal(0, peer.World.CountEntities(new QueryDescription().WithAll<OrderedPing>())); // handled entities are destroyed
    }

    [Fact]
    public void ClientRpcsReachTheServerExactlyOnceInOrderUnderLoss()
    {
        using var setup = new RpcWorld(new LinkConditions { LossPercent = 20, LatencyMs = 20 }, new RpcOptions { RatePerSecond = 1000, Burst = 1000 });
        setup.ServerRpcs.AllowFromClients<OrderedPing>();
        var recorder = new RpcRecorder<OrderedPing>(setup.ServerWorld);
        setup.ServerGroup.Add(recorder);
        var peer = setup.Connect(5, seed: 3);
        var connection = setup.ConnectionOf(5);

        for (uint i = 0; i < 1000; i++)
        {
            peer.World.SendRpc(new OrderedPing { Index = i }, RpcTarget.Server);
            if (i % 10 == 9)
            {
                setup.Tick();
            }
        }

        Assert.True(setup.TickUntil(() => recorder.Received.Count >= 1000, 2000));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (uint)i), recorder.Received.Select(r => r.Rpc.Index));
        Assert.All(recorder.Received, r => Assert.Equal(connection, r.Source.Connection));
    }

    [Fact]
    public void UnreliableRpcsAreNeverHeldBehindAStalledReliableStream()
    {
        using var setup = new RpcWorld(new LinkConditions { LossPercent = 30, LatencyMs = 40 });
        var peer = setup.Connect(1, seed: 11);
        uint clientTick = 0;
        var reliable = new RpcRecorder<OrderedPing>(peer.World);
        var unreliableLatency = new List<uint>();
        var unreliable = new RpcRecorder<UnreliablePing>(peer.World, (ping, _) => unreliableLatency.Add(clientTick - ping.SentTick));
        var reliableLatency = new List<uint>();
        var reliableWithLatency = new RpcRecorder<OrderedPing>(peer.World, (ping, _) => reliableLatency.Add(clientTick - ping.SentTick));
        peer.Group.Add(reliable, unreliable, reliableWithLatency);

        int overtakes = 0;
        for (uint tick = 1; tick <= 600; tick++)
        {
            clientTick = tick;
            setup.ServerWorld.SendRpc(new OrderedPing { Index = tick, SentTick = tick }, RpcTarget.AllClients);
            setup.ServerWorld.SendRpc(new UnreliablePing { Index = tick, SentTick = tick }, RpcTarget.AllClients);
            int before = unreliable.Received.Count;
            setup.Tick();

            // An unreliable ping delivered while an older reliable one is still missing: it overtook the stalled stream.
            uint reliableDone = reliable.Received.Count == 0 ? 0 : reliable.Received[^1].Rpc.Index;
            if (unreliable.Received.Skip(before).Any(u => u.Rpc.Index > reliableDone + 1))
            {
                overtakes++;
            }
        }

        setup.Tick(120);
        Assert.Equal(600, reliable.Received.Count); // the reliable stream completes
        Assert.InRange(unreliable.Received.Count, 300, 599); // roughly 30% lost, never retried
        Assert.True(overtakes > 10, $"unreliable RPCs overtook stalled reliable ones only {overtakes} times");
        Assert.True(unreliableLatency.Max() < reliableLatency.Max(), "reliable retries should have made some reliable RPCs slower than any unreliable one");
        Assert.True(unreliableLatency.Max() <= 6, $"an unreliable RPC took {unreliableLatency.Max()} ticks: it waited for something");
    }

    /// <summary>
    /// At 30 snapshots per second half the spawns happen between two of the client's snapshots: the RPC then waits for
    /// the next one (RpcOutbox) instead of leaving stamped with the previous snapshot, which lacks the entity.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void AnRpcSentInTheSameTickAsASpawnFindsTheSpawnedEntityOnTheClient(int snapshotRate)
    {
        using var setup = new RpcWorld(new LinkConditions { LossPercent = 20, LatencyMs = 30, JitterMs = 10 }, replication: new ServerReplicationOptions { SnapshotRate = snapshotRate });
        var peer = setup.Connect(1, seed: 5);
        var badges = new QueryDescription().WithAll<Traktor.Ecs.Net.Tests.Replication.Badge>();
        var missing = new List<int>();
        var notices = new RpcRecorder<SpawnNotice>(peer.World, (notice, _) =>
        {
            bool found = false;
            peer.World.Query(in badges, (ref Traktor.Ecs.Net.Tests.Replication.Badge badge) => found |= badge.Color == notice.Color);
            if (!found)
            {
                missing.Add(notice.Color);
            }
        });
        peer.Group.Add(notices);

        int ticksWithHeldRpcs = 0;
        for (int color = 1; color <= 100; color++)
        {
            setup.ServerWorld.Create(new Traktor.Ecs.Net.Tests.Replication.Badge { Color = color });
            setup.ServerWorld.SendRpc(new SpawnNotice { Color = color }, RpcTarget.AllClients);
            for (int i = 0; i < 3; i++)
            {
                setup.Tick();
                ticksWithHeldRpcs += peer.Rpcs.HeldCount > 0 ? 1 : 0;
            }
        }

        Assert.True(setup.TickUntil(() => notices.Received.Count == 100, 600));
        Assert.Empty(missing);
        // Some RPCs must have arrived ahead of their spawn, or the test did not exercise holding. How many depends on when
        // the reliable channel resends (a lost RPC waits for its resend while the next snapshot brings the spawn): fewer
        // since resends follow the congestion window and its backed-off timeout (bfeb06c), 4 at full rate with seed 5.
        Assert.True(ticksWithHeldRpcs > 2, $"the reliable RPCs should have outrun lost snapshots and been held ({ticksWithHeldRpcs} ticks with held RPCs)");
        Assert.InRange(peer.Rpcs.Counters.ReleasedEarly, 0, 10);
    }
}
