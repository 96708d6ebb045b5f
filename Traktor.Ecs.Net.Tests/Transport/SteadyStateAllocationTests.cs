using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

[Collection(nameof(MemoryMeasuringTests))]
public class SteadyStateAllocationTests
{
    [Fact]
    public void Sending_receiving_and_polling_messages_allocates_nothing_once_warm()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        var small = new byte[32];
        var large = new byte[3000]; // fragmented
        var channels = Enum.GetValues<ChannelKind>();
        long allocated = 0;
        int delivered = 0;
        for (int step = 0; step < 600; step++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(16));
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var channel in channels)
            {
                client.Send(channel, small);
                h.Server.Send(id, channel, small);
            }
            h.Server.SendTracked(id, small, (uint)step); // its Delivered event comes back through the ack path
            client.Send(ChannelKind.ReliableOrdered, large);
            client.Send(ChannelKind.Unreliable, large);
            client.Update();
            h.Server.Update();
            while (h.Server.TryPollEvent(out var e)) delivered += e.Type == NetEventType.Delivered ? 1 : 0;
            while (client.TryPollEvent(out _)) { }
            var stats = client.GetStats();
            if (step >= 300) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(stats.PacketsSent > 0);
        }
        Assert.Equal(0, allocated);
        Assert.True(delivered > 500, $"{delivered} tracked messages reported delivered");
    }
}
