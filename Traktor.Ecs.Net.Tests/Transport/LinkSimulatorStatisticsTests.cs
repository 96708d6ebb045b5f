using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The link simulator's randomness against its model, over fixed seeds. Every datagram is lost independently with
/// probability p (no correlation between datagrams: a run of losses is geometric, of mean 1 / (1 − p)); a datagram not
/// lost is delivered twice with probability d; each copy is held back by an extra delay with probability r; its delay
/// is the latency ± a uniform jitter. The bounds are five standard deviations of the measured statistic under that
/// model, so a seed passes by the model, not by luck, and a wrong draw (a shared draw, a skewed one, a correlation)
/// fails them.
/// </summary>
public class LinkSimulatorStatisticsTests
{
    private const int Sends = 20_000;

    private readonly record struct Arrival(int Index, double DelayMs);

    /// <summary>Sends <see cref="Sends"/> datagrams one a millisecond and returns what arrived, in arrival order.</summary>
    private static (bool[] Lost, List<Arrival> Arrivals) Run(LinkConditions conditions, int seed)
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        using var sender = new LinkSimulator(network.CreateTransport(), conditions, time, seed);
        using var receiver = network.CreateTransport();
        var arrivals = new List<Arrival>();
        var seen = new bool[Sends];
        var buffer = new byte[16];
        double horizon = Sends + 4 * (conditions.LatencyMs + conditions.JitterMs) + 100;
        for (int ms = 0; ms < horizon; ms++)
        {
            if (ms < Sends) sender.TrySend(BitConverter.GetBytes(ms), receiver.LocalAddress);
            time.Advance(TimeSpan.FromMilliseconds(1));
            sender.Release(time.GetTimestamp() / (double)time.TimestampFrequency);
            while (receiver.TryReceive(buffer, out _, out _))
            {
                int index = BitConverter.ToInt32(buffer);
                seen[index] = true;
                arrivals.Add(new Arrival(index, ms + 1 - index));
            }
        }
        var lost = new bool[Sends];
        for (int i = 0; i < Sends; i++) lost[i] = !seen[i];
        return (lost, arrivals);
    }

    private static readonly int[] Seeds = [1, 7, 42, 1234, 99_991];

    public static TheoryData<double> LossRates => new() { 1, 10, 30, 50, 80 };

    [Theory]
    [MemberData(nameof(LossRates))]
    public void Losses_are_independent_at_the_configured_rate(double lossPercent)
    {
        double p = lossPercent / 100;
        foreach (int seed in Seeds)
        {
            var (lost, _) = Run(new LinkConditions { LossPercent = lossPercent }, seed);

            // Loss rate: binomial, σ = √(p(1 − p)/n).
            double rate = lost.Count(x => x) / (double)Sends;
            double sigma = Math.Sqrt(p * (1 - p) / Sends);
            Assert.True(Math.Abs(rate - p) <= 5 * sigma, $"seed {seed}: lost {rate:P2} of {Sends}, configured {p:P0}");

            // Runs of losses: geometric of mean 1/(1 − p) and variance p/(1 − p)²; the mean of k runs has σ/√k.
            var bursts = new List<int>();
            for (int i = 0, run = 0; i <= Sends; i++)
            {
                if (i < Sends && lost[i]) run++;
                else if (run > 0)
                {
                    bursts.Add(run);
                    run = 0;
                }
            }
            double expectedBurst = 1 / (1 - p);
            double burstSigma = Math.Sqrt(p) / (1 - p) / Math.Sqrt(bursts.Count);
            Assert.True(Math.Abs(bursts.Average() - expectedBurst) <= 5 * burstSigma,
                $"seed {seed}: mean burst {bursts.Average():F3} datagrams over {bursts.Count} bursts, model {expectedBurst:F3}");

            // No correlation: a loss right after a loss is as likely as any (the estimate of p from the n·p losses).
            int afterLoss = 0, lostAfterLoss = 0;
            for (int i = 1; i < Sends; i++)
            {
                if (!lost[i - 1]) continue;
                afterLoss++;
                if (lost[i]) lostAfterLoss++;
            }
            double conditional = lostAfterLoss / (double)afterLoss;
            Assert.True(Math.Abs(conditional - p) <= 5 * Math.Sqrt(p * (1 - p) / afterLoss),
                $"seed {seed}: P(loss | loss before) {conditional:P2}, P(loss) {p:P0}");
        }
    }

    [Fact]
    public void Duplicates_reordering_and_jitter_follow_their_settings()
    {
        const double Latency = 40, Jitter = 10, Duplicate = 5, Reorder = 8, Loss = 20;
        double maxHeldBack = Latency + Jitter + 20;
        foreach (int seed in Seeds)
        {
            var (lost, arrivals) = Run(new LinkConditions { LatencyMs = Latency, JitterMs = Jitter, LossPercent = Loss, DuplicatePercent = Duplicate, ReorderPercent = Reorder }, seed);
            int delivered = lost.Count(x => !x);

            // Of the datagrams not lost, a share d arrives twice (never more).
            var copies = arrivals.GroupBy(a => a.Index).Select(g => g.Count()).ToList();
            Assert.All(copies, c => Assert.InRange(c, 1, 2));
            double d = Duplicate / 100;
            double duplicated = copies.Count(c => c == 2) / (double)delivered;
            Assert.True(Math.Abs(duplicated - d) <= 5 * Math.Sqrt(d * (1 - d) / delivered), $"seed {seed}: {duplicated:P2} duplicated, configured {d:P0}");

            // A copy not held back arrives after the latency ± the jitter, uniformly (mean L, variance J²/3); a held-back
            // one up to L + J + 20 ms later still. The copies past L + J are held back ones, a share r·P(extra > J − δ)
            // of them, where δ = the copy's own jitter; the held-back share is estimated from the tail above L + J + 1
            // (an extra delay uniform on [0, L + J + 20] puts a held-back copy there with probability at least 1/2).
            Assert.All(arrivals, a => Assert.InRange(a.DelayMs, Latency - Jitter, Latency + Jitter + maxHeldBack + 1));
            var plain = arrivals.Where(a => a.DelayMs <= Latency + Jitter + 1).Select(a => a.DelayMs).ToList();
            // Arrival times are whole milliseconds (the clock steps by 1 ms): the mean is L + 0.5 ± σ/√n.
            double mean = plain.Average();
            double sigma = Math.Sqrt(Jitter * Jitter / 3 + 1.0 / 12) / Math.Sqrt(plain.Count);
            Assert.True(Math.Abs(mean - (Latency + 0.5)) <= 5 * sigma + 0.5, $"seed {seed}: mean delay {mean:F2} ms, latency {Latency} ms");
            double spread = Math.Sqrt(plain.Select(x => (x - mean) * (x - mean)).Average());
            Assert.InRange(spread, 0.9 * Jitter / Math.Sqrt(3), 1.1 * Math.Sqrt(Jitter * Jitter / 3 + 1.0 / 12));

            // Held back past L + J + 1 ms: probability r × (share of the extra delay's range that carries the copy
            // past that, averaged over its jitter): r × E[(maxHeldBack − (J + 1 − δ))⁺ / maxHeldBack], δ uniform on ±J.
            double r = Reorder / 100;
            double pastTail = 0;
            for (int i = 0; i < 1000; i++)
            {
                double delta = -Jitter + (2 * Jitter) * (i + 0.5) / 1000;
                pastTail += Math.Clamp((maxHeldBack - (Jitter + 1 - delta)) / maxHeldBack, 0, 1) / 1000;
            }
            double q = r * pastTail;
            double late = (arrivals.Count - plain.Count) / (double)arrivals.Count;
            Assert.True(Math.Abs(late - q) <= 5 * Math.Sqrt(q * (1 - q) / arrivals.Count), $"seed {seed}: {late:P2} held back past L + J, model {q:P2}");

            // Held-back copies are overtaken: some later datagram arrives before them.
            Assert.Contains(arrivals.Zip(arrivals.Skip(1)), pair => pair.Second.Index < pair.First.Index);
        }
    }
}
