using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class LinkSimulatorTests
{
    private static List<(int Value, long ArrivedAtMs)> Run(int seed, LinkConditions conditions)
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var sender = new LinkSimulator(network.CreateTransport(), conditions, time, seed);
        using var receiver = network.CreateTransport();
        var arrivals = new List<(int, long)>();
        var buffer = new byte[64];
        for (int ms = 0; ms < 2000; ms++)
        {
            if (ms < 1000) sender.TrySend([(byte)(ms % 256), (byte)(ms / 256)], receiver.LocalAddress);
            time.Advance(TimeSpan.FromMilliseconds(1));
            sender.Release(time.GetTimestamp() / (double)time.TimestampFrequency);
            while (receiver.TryReceive(buffer, out _, out _)) arrivals.Add((buffer[0] + buffer[1] * 256, ms));
        }
        return arrivals;
    }

    [Fact]
    public void Same_seed_gives_the_same_run_and_conditions_are_applied()
    {
        var conditions = new LinkConditions { LatencyMs = 100, JitterMs = 50, LossPercent = 30, DuplicatePercent = 5, ReorderPercent = 5 };
        var a = Run(7, conditions);
        var b = Run(7, conditions);
        var c = Run(8, conditions);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        int distinct = a.Select(x => x.Value).Distinct().Count();
        Assert.InRange(distinct, 650, 750);                 // ~30% lost
        Assert.InRange(a.Count - distinct, 15, 60);        // ~5% duplicated
        Assert.Contains(a.Zip(a.Skip(1)), p => p.Second.Value < p.First.Value); // reordered
        Assert.All(a, x => Assert.InRange(x.ArrivedAtMs - x.Value, 49, 400));
    }

    /// <summary>Sends 1,000 numbered datagrams <paramref name="spacingMs"/> apart and returns the numbers in arrival order.</summary>
    private static List<int> ArrivalOrder(int seed, LinkConditions conditions, int spacingMs)
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var sender = new LinkSimulator(network.CreateTransport(), conditions, time, seed);
        using var receiver = network.CreateTransport();
        var order = new List<int>();
        var buffer = new byte[8];
        int sends = 1000, end = sends * spacingMs + 1000;
        for (int ms = 0; ms < end; ms++)
        {
            if (ms % spacingMs == 0 && ms / spacingMs < sends) sender.TrySend(BitConverter.GetBytes(ms / spacingMs), receiver.LocalAddress);
            time.Advance(TimeSpan.FromMilliseconds(1));
            sender.Release(time.GetTimestamp() / (double)time.TimestampFrequency);
            while (receiver.TryReceive(buffer, out _, out _)) order.Add(BitConverter.ToInt32(buffer));
        }
        Assert.Equal(sends, order.Count);
        return order;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Jitter_of_at_most_half_the_send_interval_keeps_the_order(int seed)
    {
        // 60 Hz: one datagram every 16 ms, ±8 ms of jitter; no datagram held back.
        var order = ArrivalOrder(seed, new LinkConditions { LatencyMs = 40, JitterMs = 8 }, spacingMs: 16);

        Assert.Equal(Enumerable.Range(0, 1000), order);
    }

    [Fact]
    public void Jitter_wider_than_half_the_send_interval_reorders_even_with_ReorderPercent_0()
    {
        // What LinkConditions.JitterMs documents: each datagram's delay is drawn on its own, so ±10 ms over sends 16 ms apart
        // lets a datagram overtake the one before it.
        var order = ArrivalOrder(1, new LinkConditions { LatencyMs = 40, JitterMs = 10, ReorderPercent = 0 }, spacingMs: 16);

        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.Contains(order.Zip(order.Skip(1)), pair => pair.Second < pair.First);
    }

    [Fact]
    public void Bandwidth_cap_spaces_datagrams_out()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var sender = new LinkSimulator(network.CreateTransport(), new LinkConditions { BandwidthBytesPerSecond = 10_000 }, time, 1);
        using var receiver = network.CreateTransport();
        for (int i = 0; i < 50; i++) sender.TrySend(new byte[1000], receiver.LocalAddress);
        time.Advance(TimeSpan.FromSeconds(1));
        sender.Release(time.GetTimestamp() / (double)time.TimestampFrequency);
        int arrived = 0;
        while (receiver.TryReceive(new byte[1200], out _, out _)) arrived++;
        Assert.Equal(10, arrived); // 10 KB/s: ten 1000-byte datagrams per second
    }
}
