using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The copies a link simulator holds and an in-memory endpoint queues come from buffers each of them reuses, up to a
/// cap: the shared ArrayPool kept only a few dozen per size, so hundreds held allocated in every round.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class DatagramBufferPoolTests
{
    [Fact]
    public void Four_hundred_datagrams_held_on_a_slow_link_allocate_nothing_once_warm()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var link = new LinkSimulator(network.CreateTransport(), new LinkConditions { LatencyMs = 100 }, time, seed: 1);
        using var receiver = network.CreateTransport();
        var datagram = new byte[500];
        var buffer = new byte[1500];
        long allocated = 0;
        int received = 0, mostHeld = 0;
        for (int round = 0; round < 60; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 57; i++) Assert.True(link.TrySend(datagram, receiver.LocalAddress));
            mostHeld = Math.Max(mostHeld, link.InFlight);
            time.Advance(TimeSpan.FromMilliseconds(16));
            while (link.TryReceive(buffer, out _, out _)) { } // releases what is due
            // The receiver reads every other round, so its queue holds a round's datagrams too.
            if (round % 2 == 1)
            {
                while (receiver.TryReceive(buffer, out _, out _)) received++;
            }

            if (round >= 30) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.InRange(mostHeld, 390, 400); // 57 a round for 100 ms of latency: 7 rounds' worth, 200 KiB in 512-byte buffers
        Assert.True(received > 57 * 50, $"{received} received");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_flood_leaves_no_more_than_the_cap_kept_for_reuse()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var link = new LinkSimulator(network.CreateTransport(), new LinkConditions { LatencyMs = 50 }, time, seed: 1);
        using var receiver = network.CreateTransport();
        var datagram = new byte[1200];
        var buffer = new byte[1500];
        for (int i = 0; i < 2000; i++) link.TrySend(datagram, receiver.LocalAddress); // 2,000 × 2 KiB held, then queued
        Assert.Equal(2000, link.InFlight);
        time.Advance(TimeSpan.FromMilliseconds(100));
        link.Release(time.GetTimestamp() / (double)time.TimestampFrequency);
        int received = 0;
        while (receiver.TryReceive(buffer, out _, out _)) received++;
        Assert.Equal(2000, received);
        Assert.Equal(DatagramBufferPool.MaxRetainedBytes, link.RetainedBufferBytes);
        Assert.Equal(DatagramBufferPool.MaxRetainedBytes, receiver.RetainedBufferBytes);
    }

    [Fact]
    public void Buffers_come_in_power_of_two_sizes_and_only_those_are_kept()
    {
        var pool = new DatagramBufferPool();
        Assert.Equal(64, pool.Rent(1).Length);
        Assert.Equal(64, pool.Rent(64).Length);
        Assert.Equal(128, pool.Rent(65).Length);
        Assert.Equal(2048, pool.Rent(1200).Length);
        Assert.Equal(65536, pool.Rent(65536).Length);
        Assert.Equal(70000, pool.Rent(70000).Length); // beyond any datagram: exact, never kept
        var kept = pool.Rent(1200);
        pool.Return(kept);
        pool.Return(new byte[70000]);
        pool.Return(new byte[1000]); // not a size this pool hands out
        Assert.Equal(2048, pool.RetainedBytes);
        Assert.Same(kept, pool.Rent(2000));
        Assert.Equal(0, pool.RetainedBytes);
    }
}
