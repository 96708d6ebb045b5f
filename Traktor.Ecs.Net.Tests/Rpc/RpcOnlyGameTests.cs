using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// A game with RPCs and no <c>[Replicated]</c> component (issue 15, bug 3: the server crashed when a client
/// connected, in ServerReplication.DescribeArchetype, because an empty WithAny matched every entity).
/// </summary>
public class RpcOnlyGameTests
{
    [Fact]
    public void RpcsFlowBothWaysWithoutAnyReplicatedComponent()
    {
        var nothingReplicated = ReplicationRegistry.FromSchemas([]);
        using var setup = new RpcWorld(new LinkConditions { LatencyMs = 20 }, replicated: nothingReplicated);
        setup.ServerRpcs.AllowFromClients<FireCommand>();
        var serverFires = new RpcRecorder<FireCommand>(setup.ServerWorld);
        setup.ServerGroup.Add(serverFires);
        var player = setup.Connect(1, seed: 2);
        var pings = new RpcRecorder<OrderedPing>(player.World);
        player.Group.Add(pings);
        var bystander = setup.ServerWorld.Create(new Traktor.Ecs.Net.Tests.Replication.Health { Value = 1 }); // an ordinary entity: never numbered
        setup.Tick(10);

        player.World.SendRpc(new FireCommand { Weapon = 3 }, RpcTarget.Server);
        setup.ServerWorld.SendRpc(new OrderedPing { Index = 7 }, RpcTarget.AllClients);
        Assert.True(setup.TickUntil(() => serverFires.Received.Count == 1 && pings.Received.Count == 1, 120));

        Assert.Equal(3, serverFires.Received[0].Rpc.Weapon);
        Assert.Equal(7u, pings.Received[0].Rpc.Index);
        Assert.False(setup.ServerWorld.Has<NetworkId>(bystander));
        Assert.Equal(0, setup.Server.Replication.EntityCount);
    }
}
