using CsCheck;
using Traktor.Ecs.Net.Replication.Interpolation;

namespace Traktor.Ecs.Net.Tests.Replication;

public class InterpolationBufferTests
{
    [Fact]
    public void SamplesBetweenTheTwoNeighbours()
    {
        var buffer = new InterpolationBuffer<float>(8);
        buffer.Add(10, 100f);
        buffer.Add(14, 140f);
        buffer.Add(12, 120f); // out of order
        Assert.False(buffer.Add(12, 999f)); // duplicate
        Assert.True(buffer.TrySample(13, out var from, out var to, out var alpha));
        Assert.Equal(120f, from);
        Assert.Equal(140f, to);
        Assert.Equal(0.5f, alpha);
        Assert.True(buffer.TrySample(5, out from, out _, out alpha));
        Assert.Equal(100f, from);
        Assert.Equal(0f, alpha);
        Assert.True(buffer.TrySample(20, out from, out to, out alpha));
        Assert.Equal((140f, 140f, 0f), (from, to, alpha));
    }

    [Fact]
    public void KeepsTheNewestSamplesInOrderWhateverTheArrivalOrder()
    {
        Gen.UInt[0, 200].Array[1, 100].Sample(arrivals =>
        {
            var buffer = new InterpolationBuffer<uint>(8);
            foreach (var tick in arrivals)
            {
                buffer.Add(1000 + tick, 1000 + tick);
            }

            var newest = arrivals.Distinct().Select(t => 1000 + t).Order().TakeLast(8).ToArray();
            // The newest tick is always held; every held sample is interpolated exactly.
            Assert.Equal(newest[^1], buffer.NewestTick);
            for (double render = newest[0]; render <= newest[^1]; render += 0.25)
            {
                Assert.True(buffer.TrySample(render, out var from, out var to, out var alpha));
                Assert.InRange(alpha, 0f, 1f);
                Assert.True(from <= to);
            }
        });
    }

    [Fact]
    public void HandlesTickWraparound()
    {
        var buffer = new InterpolationBuffer<int>(4);
        buffer.Add(uint.MaxValue - 1, 1);
        buffer.Add(1, 4);
        buffer.Add(uint.MaxValue, 2);
        Assert.Equal(1u, buffer.NewestTick);
        Assert.True(buffer.TrySample(uint.MaxValue - 0.5, out var from, out var to, out var alpha));
        Assert.Equal((1, 2, 0.5f), (from, to, alpha));
    }
}
