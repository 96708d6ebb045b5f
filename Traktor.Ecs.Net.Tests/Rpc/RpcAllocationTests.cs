using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>Steady-state RPC traffic allocates nothing: pooled buffers, entities through the ECS.</summary>
[Collection(nameof(MemoryMeasuringTests))]
public class RpcAllocationTests
{
    [Fact]
    public void SendingAndReceivingRpcsAllocatesNothingOnceWarm()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { RatePerSecond = 10_000, Burst = 10_000 });
        setup.ServerRpcs.AllowFromClients<FireCommand>();
        var peer = setup.Connect(1, seed: 2);
        var serverReceived = new RpcRecorder<FireCommand>(setup.ServerWorld);
        var clientReceived = new RpcRecorder<OrderedPing>(peer.World);
        setup.ServerGroup.Add(serverReceived);
        peer.Group.Add(clientReceived);
        serverReceived.Received.Capacity = 20_000;
        clientReceived.Received.Capacity = 40_000;

        long allocated = 0;
        for (int tick = 0; tick < 600; tick++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (uint i = 0; i < 20; i++)
            {
                setup.ServerWorld.SendRpc(new OrderedPing { Index = i }, RpcTarget.AllClients);
                setup.ServerWorld.SendRpc(new UnreliablePing { Index = i }, RpcTarget.AllClients);
            }

            for (int i = 0; i < 10; i++)
            {
                peer.World.SendRpc(new FireCommand { Weapon = i }, RpcTarget.Server);
            }

            setup.Tick();
            if (tick >= 300)
            {
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }

        Assert.True(clientReceived.Received.Count > 11_000);
        Assert.True(serverReceived.Received.Count > 5_500);
        Assert.Equal(0, allocated);
    }
}
