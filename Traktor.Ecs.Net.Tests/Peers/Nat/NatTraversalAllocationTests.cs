using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// The traversal layer and the relay add no allocation per datagram once warm, even while another thread of the process
/// uses the shared ArrayPool: the NAT simulator and the traversal copied held datagrams through that pool, and a full run
/// measured 4,720 B once when another thread had just emptied it; each now reuses buffers of its own.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class NatTraversalAllocationTests
{
    [Theory]
    [InlineData(NatKind.PortRestricted, NatPath.Direct)]
    [InlineData(NatKind.Symmetric, NatPath.Relayed)]
    public void Sending_and_receiving_through_the_traversal_and_the_relay_allocates_nothing(NatKind nat, NatPath path)
    {
        using var pressure = new SharedArrayPoolPressure(); // as other tests' socket threads do in a full run
        using var scene = new NatScene(nat, nat);
        Assert.Equal(path, scene.Connect());
        scene.RelayWire.Enabled = false;   // the test's recorder of the relay's traffic allocates; the relay does not
        var joiner = scene.JoinerSide.PublicAddress;
        var host = scene.HostSide.PublicAddress;
        var payload = new byte[200];
        payload[0] = 0x44; // not a traversal prefix: what the connection layer sends
        var buffer = new byte[2048];
        int received = 0;

        void Round()
        {
            // A tick's worth each way (a snapshot, RPCs, acks): the receiving NAT holds the burst's copies at once, which the
            // shared pool's per-thread slot (one array a size) cannot serve. 250 datagrams per second each way, within the relay's budget.
            scene.Time.Advance(TimeSpan.FromMilliseconds(16));
            for (int i = 0; i < 4; i++)
            {
                scene.HostSide.TrySend(payload, joiner);
                scene.JoinerSide.TrySend(payload, host);
            }

            scene.Introducer.Update();
            while (scene.JoinerSide.TryReceive(buffer, out _, out _)) received++;
            while (scene.HostSide.TryReceive(buffer, out _, out _)) received++;
        }

        for (int i = 0; i < 2000; i++) Round();   // warm: pools, queues and tables at their steady size
        received = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++) Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(16_000, received);
        Assert.Equal(0, allocated);
    }
}
