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
        using var pressure = new SharedArrayPoolPressure(); // as other tests' socket threads do in a full run
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

    [Fact]
    public void A_client_receiving_bursts_of_hundreds_of_RPCs_a_tick_allocates_nothing_once_warm()
    {
        // Every RPC waits in the client's held queue until the snapshot it was sent after is applied. Those copies were
        // rented from the shared ArrayPool, which keeps a few dozen arrays per size: 300 held a tick allocated ~9 KB.
        // The datagrams' copies in the link simulator and the in-memory endpoint came from that shared pool too, so a
        // tick allocated whenever another thread had just emptied it (232 B once in a full run); another thread does
        // that throughout here.
        using var pressure = new SharedArrayPoolPressure();
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { RatePerSecond = 100_000, Burst = 100_000 });
        var peer = setup.Connect(1, seed: 2);
        var ordered = new RpcRecorder<OrderedPing>(peer.World);
        var unreliable = new RpcRecorder<UnreliablePing>(peer.World);
        peer.Group.Add(ordered);
        peer.Group.Add(unreliable);
        ordered.Received.Capacity = 100_000;
        unreliable.Received.Capacity = 100_000;
        float dt = 1f / 60f;

        long allocated = 0;
        int allocatingTicks = 0;
        for (int tick = 0; tick < 600; tick++)
        {
            for (uint i = 0; i < 150; i++)
            {
                setup.ServerWorld.SendRpc(new OrderedPing { Index = i }, RpcTarget.AllClients);
                setup.ServerWorld.SendRpc(new UnreliablePing { Index = i }, RpcTarget.AllClients);
            }

            setup.Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            long before = GC.GetAllocatedBytesForCurrentThread();
            peer.Group.Tick(in dt); // only the client's tick is measured
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (tick >= 300 && bytes > 0)
            {
                allocated += bytes;
                allocatingTicks++;
            }

            setup.ServerGroup.Tick(in dt);
        }

        Assert.True(ordered.Received.Count > 150 * 590, $"{ordered.Received.Count} ordered RPCs received");
        Assert.True(unreliable.Received.Count > 150 * 590, $"{unreliable.Received.Count} unreliable RPCs received");
        Assert.True(allocated == 0, $"{allocated} bytes allocated in {allocatingTicks} of 300 warm client ticks");
    }
}
