using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>Sending: order across RPC types, targets, command buffers, and mistakes caught where they are made.</summary>
public class RpcSendTests
{
    [Fact]
    public void RpcsOfDifferentTypesOnOneChannelNeverOvertakeEachOther()
    {
        // Within a tick each handler system sees its own type, so order across types shows in the tick of arrival.
        using var setup = new RpcWorld(new LinkConditions { LossPercent = 20 });
        var peer = setup.Connect(1, seed: 4);
        int tick = 0;
        var arrivedAt = new Dictionary<string, int>();
        peer.Group.Add(
            new RpcRecorder<OrderedPing>(peer.World, (ping, _) => arrivedAt.Add($"ping{ping.Index}", tick)),
            new RpcRecorder<ScoreAnnouncement>(peer.World, (score, _) => arrivedAt.Add($"score{score.Score}", tick)));

        var expected = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            if (i % 3 == 0)
            {
                setup.ServerWorld.SendRpc(new ScoreAnnouncement { Score = i }, RpcTarget.AllClients);
                expected.Add($"score{i}");
            }
            else
            {
                setup.ServerWorld.SendRpc(new OrderedPing { Index = (uint)i }, RpcTarget.AllClients);
                expected.Add($"ping{i}");
            }

            if (i % 7 == 0)
            {
                tick++;
                setup.Tick();
            }
        }

        Assert.True(setup.TickUntil(() => ++tick > 0 && arrivedAt.Count == 200, 600));
        var ticksInSendOrder = expected.Select(name => arrivedAt[name]).ToArray();
        Assert.Equal(ticksInSendOrder.Order(), ticksInSendOrder);
        Assert.True(ticksInSendOrder.Distinct().Count() > 3); // spread over several ticks: losses held later ones back
    }

    [Fact]
    public void ARelaySystemSendsRpcsFromInsideItsQueryOverReceivedOnes()
    {
        // Issue 15 bug 2: SendRpc creates an event entity, which used to throw inside a query. Structural
        // changes inside queries are now deferred to the query's end, so relaying is a plain query.
        using var setup = new RpcWorld(new LinkConditions());
        setup.ServerRpcs.AllowFromClients<FireCommand>();
        var relay = new RpcRecorder<FireCommand>(setup.ServerWorld, (fire, _) =>
            setup.ServerWorld.SendRpc(new ScoreAnnouncement { Score = fire.Weapon * 10 }, RpcTarget.AllClients));
        setup.ServerGroup.Add(relay);
        var shooter = setup.Connect(1, seed: 5);
        var watcher = setup.Connect(2, seed: 6);
        var watched = new RpcRecorder<ScoreAnnouncement>(watcher.World);
        var echoed = new RpcRecorder<ScoreAnnouncement>(shooter.World);
        watcher.Group.Add(watched);
        shooter.Group.Add(echoed);

        shooter.World.SendRpc(new FireCommand { Weapon = 3 }, RpcTarget.Server);
        shooter.World.SendRpc(new FireCommand { Weapon = 4 }, RpcTarget.Server);
        Assert.True(setup.TickUntil(() => watched.Received.Count == 2 && echoed.Received.Count == 2, 100));

        Assert.Equal([3, 4], relay.Received.Select(r => r.Rpc.Weapon));
        Assert.Equal([30, 40], watched.Received.Select(r => r.Rpc.Score));
        Assert.Equal([30, 40], echoed.Received.Select(r => r.Rpc.Score));
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<ScoreAnnouncement>())); // sent, then destroyed
    }

    [Fact]
    public void StagingPutsRpcsOfEveryTypeBackInSendOrder()
    {
        using var world = World.Create();
        var sent = new List<Type>();
        for (ulong order = 0; order < 50; order++)
        {
            var target = RpcTarget.AllClients;
            if (order % 3 == 0)
            {
                world.Create(new ScoreAnnouncement { Score = (int)order }, new RpcOutgoing(target, order));
                sent.Add(typeof(ScoreAnnouncement));
            }
            else
            {
                world.Create(new OrderedPing { Index = (uint)order }, new RpcOutgoing(target, order));
                sent.Add(typeof(OrderedPing));
            }
        }

        var staging = new RpcStaging(64);
        foreach (var type in RpcWorld.Rpcs.TypeSpan)
        {
            type.Stage(world, staging);
        }

        staging.SortBySendOrder();
        Assert.Equal(50, staging.Count);
        Assert.Equal(sent, Enumerable.Range(0, staging.Count).Select(i => staging[i].Type.MessageType));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (ulong)i), Enumerable.Range(0, staging.Count).Select(i => staging[i].Outgoing.Order));
        staging.DestroyAndClear(world);
        Assert.Equal(0, world.Size);
    }

    [Fact]
    public void TargetsReachExactlyTheirConnections()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var peers = new[] { setup.Connect(1, seed: 2), setup.Connect(2, seed: 3), setup.Connect(3, seed: 4) };
        var recorders = peers.Select(p =>
        {
            var recorder = new RpcRecorder<ScoreAnnouncement>(p.World);
            p.Group.Add(recorder);
            return recorder;
        }).ToArray();

        var commands = new CommandBuffer();
        setup.ServerWorld.SendRpc(new ScoreAnnouncement { Score = 1 }, RpcTarget.AllClients);
        setup.ServerWorld.SendRpc(new ScoreAnnouncement { Score = 2 }, RpcTarget.To(setup.ConnectionOf(2)));
        setup.ServerWorld.SendRpc(new ScoreAnnouncement { Score = 3 }, RpcTarget.AllExcept(setup.ConnectionOf(2)));
        commands.SendRpc(setup.ServerWorld, new ScoreAnnouncement { Score = 4 }, RpcTarget.To(setup.ConnectionOf(3)));
        commands.Playback(setup.ServerWorld);
        setup.Tick(10);

        Assert.Equal([1, 3], recorders[0].Received.Select(r => r.Rpc.Score));
        Assert.Equal([1, 2], recorders[1].Received.Select(r => r.Rpc.Score));
        Assert.Equal([1, 3, 4], recorders[2].Received.Select(r => r.Rpc.Score));
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<ScoreAnnouncement>()));
    }

    [Fact]
    public void SendingWhatCannotBeSentThrowsAtTheCall()
    {
        using var setup = new RpcWorld(new LinkConditions());
        Assert.Throws<ArgumentException>(() => setup.ServerWorld.SendRpc(new Badge { Color = 1 }, RpcTarget.AllClients)); // not an [Rpc]
        Assert.Throws<ArgumentException>(() => setup.ServerWorld.SendRpc(new ScoreAnnouncement(), RpcTarget.Server)); // the server is not a recipient
        using var bare = World.Create();
        Assert.Throws<InvalidOperationException>(() => bare.SendRpc(new ScoreAnnouncement(), RpcTarget.AllClients));
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<Badge>()));
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<ScoreAnnouncement>()));
    }
}
