using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>The event queue's burst growth and its return to the steady size (a time and an update count, both).</summary>
[Collection(nameof(MemoryMeasuringTests))]
public class EventQueueTests
{
    private const int Burst = EventQueue.SteadyEntries * 4;

    [Fact]
    public void Bursts_a_busy_loop_repeats_within_seconds_reuse_the_grown_arrays()
    {
        // A loop updating every millisecond with a 1,024-message burst every 100 updates (the transport benchmarks'
        // pattern over WebSocket): the queue grows once and keeps its arrays; shrinking after 64 quiet updates made
        // every burst allocate them again.
        var queue = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20);
        var message = new byte[32];
        double now = 0;
        long grown = 0, allocated = 0;
        for (int burst = 0; burst < 20; burst++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int update = 0; update < 100; update++, now += 0.001)
            {
                queue.BeginUpdate(now);
                if (update == 0) for (int i = 0; i < Burst; i++) queue.AddMessage(default, 1, ChannelKind.ReliableOrdered, message);
                while (queue.TryPoll(out _)) { }
            }
            if (burst == 0) grown = queue.CapacityBytes;
            else allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(grown, queue.CapacityBytes);
        }
        Assert.True(grown > EventQueue.SteadyArenaBytes, "the burst did not grow the queue");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_grown_queue_shrinks_only_after_both_quiet_updates_and_quiet_seconds()
    {
        var queue = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20);
        queue.BeginUpdate(0);
        long steady = queue.CapacityBytes;
        for (int i = 0; i < Burst; i++) queue.AddMessage(default, 1, ChannelKind.ReliableOrdered, new byte[32]);
        while (queue.TryPoll(out _)) { }
        long grown = queue.CapacityBytes;
        Assert.True(grown > steady);

        queue.BeginUpdate(0.001); // sees the burst
        for (int i = 0; i < EventQueue.ShrinkAfterQuietUpdates * 3; i++) queue.BeginUpdate(0.002 + i * 0.001);
        Assert.Equal(grown, queue.CapacityBytes); // many quiet updates, but well under the quiet seconds

        queue.BeginUpdate(1 + EventQueue.ShrinkAfterQuietSeconds);
        Assert.Equal(steady, queue.CapacityBytes);

        var slow = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20);
        for (int i = 0; i < Burst; i++) slow.AddMessage(default, 1, ChannelKind.ReliableOrdered, new byte[32]);
        while (slow.TryPoll(out _)) { }
        slow.BeginUpdate(0);
        for (int i = 1; i < EventQueue.ShrinkAfterQuietUpdates; i++) slow.BeginUpdate(i * 10.0);
        Assert.Equal(grown, slow.CapacityBytes); // long quiet seconds, but fewer than 64 updates
        slow.BeginUpdate(EventQueue.ShrinkAfterQuietUpdates * 10.0);
        Assert.Equal(steady, slow.CapacityBytes);
    }

    [Fact]
    public void A_connect_burst_shrinks_the_entry_list_without_replacing_the_arena_and_then_allocates_nothing()
    {
        // 2,008 Connected events (the idle report's connect burst) grow the entries only: they carry no bytes.
        var queue = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20);
        var message = new byte[32];
        queue.BeginUpdate(0);
        for (int i = 0; i < 2_008; i++) queue.AddConnected(default, (ulong)i + 1);
        while (queue.TryPoll(out _)) { }
        long steady = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20).CapacityBytes;
        Assert.True(queue.CapacityBytes > steady, "the burst did not grow the entries");

        double now = 0.001;
        for (int i = 0; i < EventQueue.ShrinkAfterQuietUpdates; i++, now += 0.001) queue.BeginUpdate(now);
        long before = GC.GetAllocatedBytesForCurrentThread();
        queue.BeginUpdate(1 + EventQueue.ShrinkAfterQuietSeconds); // the shrink
        long shrink = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(steady, queue.CapacityBytes);
        // The new entry list only (256 entries); before, the unchanged 64 KB arena was allocated anew too (77,872 B).
        Assert.InRange(shrink, 1, EventQueue.SteadyArenaBytes - 1);

        // Steady state after it: updates with messages and connection events within the steady sizes allocate nothing.
        now = 2 + EventQueue.ShrinkAfterQuietSeconds;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int update = 0; update < 1_000; update++, now += 0.016)
        {
            queue.BeginUpdate(now);
            for (int i = 0; i < 100; i++) queue.AddMessage(default, 1, ChannelKind.ReliableOrdered, message);
            queue.AddConnected(default, 7);
            while (queue.TryPoll(out _)) { }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(steady, queue.CapacityBytes);
    }

    [Fact]
    public void The_entry_list_shrinks_while_large_messages_keep_the_arena_grown()
    {
        // One 100 KB message an update keeps the arena over its steady size; the entry list, grown once by a connect
        // burst, is back within its own and must not wait for the arena to go quiet.
        var queue = new EventQueue(maxMessages: 4096, maxBytes: 1 << 20);
        var large = new byte[100 * 1024];
        queue.BeginUpdate(0);
        for (int i = 0; i < Burst; i++) queue.AddConnected(default, (ulong)i + 1);
        queue.AddMessage(default, 1, ChannelKind.ReliableOrdered, large);
        while (queue.TryPoll(out _)) { }
        long grown = queue.CapacityBytes;

        double now = 0;
        for (int update = 0; update < EventQueue.ShrinkAfterQuietUpdates * 2; update++, now += 0.1)
        {
            queue.BeginUpdate(now);
            queue.AddMessage(default, 1, ChannelKind.ReliableOrdered, large);
            while (queue.TryPoll(out _)) { }
        }
        Assert.True(now > EventQueue.ShrinkAfterQuietSeconds);
        Assert.True(queue.CapacityBytes < grown, $"the entry list stayed grown: {queue.CapacityBytes} B of {grown} B");
        Assert.True(queue.CapacityBytes > 2 * EventQueue.SteadyArenaBytes, "the arena shrank while still in use");
    }
}
