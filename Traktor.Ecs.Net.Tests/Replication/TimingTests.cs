using Traktor.Ecs.Net.Replication.Timing;

namespace Traktor.Ecs.Net.Tests.Replication;

public class TimingTests
{
    [Fact]
    public void TickClockReturnsWholeTicksAndCarriesTheRemainder()
    {
        var clock = new TickClock(60);
        Assert.Equal(0, clock.Advance(TimeSpan.FromMilliseconds(10)));
        Assert.Equal(1, clock.Advance(TimeSpan.FromMilliseconds(10)));
        var second = new TickClock(60);
        Assert.Equal(60, Enumerable.Range(0, 100).Sum(_ => second.Advance(TimeSpan.FromMilliseconds(10))));
    }

    [Fact]
    public void TickClockCapsCatchUpAfterAStall()
    {
        var clock = new TickClock(60, maxCatchUpTicks: 5);
        Assert.Equal(5, clock.Advance(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, clock.Advance(TimeSpan.Zero));
    }

    [Fact]
    public void RateScaleSpeedsTheClockUp()
    {
        var normal = new TickClock(60);
        var fast = new TickClock(60) { RateScale = 1.05 };
        int normalTicks = 0, fastTicks = 0;
        for (int i = 0; i < 1000; i++)
        {
            normalTicks += normal.Advance(TimeSpan.FromMilliseconds(16));
            fastTicks += fast.Advance(TimeSpan.FromMilliseconds(16));
        }

        Assert.Equal(960, normalTicks);
        Assert.Equal(1008, fastTicks);
    }

    [Fact]
    public void EstimatorTracksTheServerTickAndAdaptsDelayToJitter()
    {
        var steady = new ServerTickEstimator(60);
        var jittery = new ServerTickEstimator(60);
        var random = new Random(7);
        const double rtt = 0.1;
        for (uint tick = 0; tick < 600; tick++)
        {
            double sent = tick / 60.0;
            steady.OnSnapshot(tick, sent + (rtt / 2), rtt);
            jittery.OnSnapshot(tick, sent + (rtt / 2) + (random.NextDouble() * 0.04), rtt);
        }

        // At local time t the server is at tick 60 t: the snapshot of tick 600 arrived rtt/2 later.
        double now = 600 / 60.0 + (rtt / 2);
        Assert.InRange(steady.EstimateServerTick(now), 603 - 0.5, 603 + 0.5);
        Assert.InRange(steady.InterpolationDelayTicks, 2, 2.2);
        Assert.True(jittery.InterpolationDelayTicks > steady.InterpolationDelayTicks + 0.5, $"delay {jittery.InterpolationDelayTicks}");
        Assert.True(steady.RenderTick(now) < steady.EstimateServerTick(now));
    }

    [Fact]
    public void EstimatorWidensTheInterpolationDelayBySnapshotSpacing()
    {
        // A server sending every third tick (20 of 60 Hz): render time must stay two snapshots behind the newest, or it
        // runs past the newest sample before the next arrives and remote entities stop between snapshots.
        var everyTick = new ServerTickEstimator(60);
        var everyThird = new ServerTickEstimator(60);
        const double rtt = 0.1;
        for (uint tick = 0; tick < 600; tick++)
        {
            double arrival = (tick / 60.0) + (rtt / 2);
            everyTick.OnSnapshot(tick, arrival, rtt);
            if (tick % 3 == 0)
            {
                everyThird.OnSnapshot(tick, arrival, rtt);
            }
        }

        Assert.Equal(1, everyTick.SnapshotSpacingTicks);
        Assert.Equal(3, everyThird.SnapshotSpacingTicks);
        Assert.InRange(everyThird.InterpolationDelayTicks - everyTick.InterpolationDelayTicks, 3.98, 4.02); // two gaps of 2 more ticks

        // Just before the next snapshot of the slow server arrives, the render tick is still below the newest one held.
        double beforeNext = (600 / 60.0) + (rtt / 2) - 0.001;
        Assert.True(everyThird.RenderTick(beforeNext) < 597, $"render tick {everyThird.RenderTick(beforeNext)}");

        // A burst of losses (or ticks with nothing to send) is not the server's rhythm: the spacing stays.
        everyTick.OnSnapshot(640, (640 / 60.0) + (rtt / 2), rtt);
        everyThird.OnSnapshot(630, (630 / 60.0) + (rtt / 2), rtt);
        Assert.Equal(1, everyTick.SnapshotSpacingTicks);
        Assert.Equal(3, everyThird.SnapshotSpacingTicks);

        // A slow rhythm is learned whole: once a second at 60 Hz.
        var slow = new ServerTickEstimator(60);
        for (uint tick = 0; tick < 1200; tick += 60)
        {
            slow.OnSnapshot(tick, (tick / 60.0) + (rtt / 2), rtt);
        }

        Assert.Equal(60, slow.SnapshotSpacingTicks);
    }

    /// <summary>
    /// At one snapshot per tick the interpolation delay rides out one lost snapshot: just before the one after it
    /// arrives, the render tick has not passed the newest held. A server sending every 2, 3 or 6 ticks must keep that
    /// margin (two snapshot gaps, not two ticks), or every lost snapshot stops remote entities until the next arrives.
    /// </summary>
    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    [InlineData(6u)]
    public void EstimatorRidesOutOneLostSnapshotAtAnySpacing(uint spacing)
    {
        var estimator = new ServerTickEstimator(60);
        const double rtt = 0.1;
        double ArrivalOf(uint tick) => (tick / 60.0) + (rtt / 2);
        uint tick = 0;
        for (; tick < 600; tick += spacing)
        {
            estimator.OnSnapshot(tick, ArrivalOf(tick), rtt);
        }

        uint newestHeld = tick - spacing; // the snapshot of `tick` is lost; the next arrives one gap later
        double beforeNext = ArrivalOf(tick + spacing) - 1e-6;
        Assert.True(estimator.RenderTick(beforeNext) <= newestHeld, $"render tick {estimator.RenderTick(beforeNext):F2} past the newest held {newestHeld}");
    }

    /// <summary>
    /// When the ticks a server sends on move (a successor host after a migration sends on other ticks of its interval),
    /// one gap is short without the rhythm being faster: the spacing, and so the interpolation delay, stays. Before, the
    /// one short gap was the smallest of the last 16 and halved the spacing for 16 snapshots, so remote entities ran
    /// past their newest snapshot and stood still. A faster rhythm is still learned at its second gap.
    /// </summary>
    [Fact]
    public void EstimatorKeepsItsSpacingWhenTheSendTicksMoveOnce()
    {
        var estimator = new ServerTickEstimator(60);
        uint tick = 0;
        for (; tick < 200; tick += 2)
        {
            estimator.OnSnapshot(tick, tick / 60.0, 0);
        }

        double delay = estimator.InterpolationDelayTicks;
        tick -= 1; // the send ticks move by one: a single gap of 1
        var spacings = new List<double>();
        for (int i = 0; i < 40; i++, tick += 2)
        {
            estimator.OnSnapshot(tick, tick / 60.0, 0);
            spacings.Add(estimator.SnapshotSpacingTicks);
        }

        Assert.All(spacings, spacing => Assert.Equal(2, spacing));
        Assert.Equal(delay, estimator.InterpolationDelayTicks, 3);

        estimator.OnSnapshot(tick - 1, (tick - 1) / 60.0, 0); // the server now sends every tick
        estimator.OnSnapshot(tick, tick / 60.0, 0);
        Assert.Equal(1, estimator.SnapshotSpacingTicks);
    }

    [Fact]
    public void EstimatorDelaysAnEntitySentLessOftenThanSnapshotsByItsOwnSpacing()
    {
        var estimator = new ServerTickEstimator(60);
        for (uint tick = 0; tick < 600; tick += 2)
        {
            estimator.OnSnapshot(tick, tick / 60.0, 0);
        }

        double snapshots = estimator.InterpolationDelayTicks;
        Assert.Equal(4, snapshots, 3); // 2 + 2 x (2 - 1)
        Assert.Equal(snapshots, estimator.InterpolationDelayTicksFor(1));
        Assert.Equal(snapshots, estimator.InterpolationDelayTicksFor(2));
        Assert.Equal(8, estimator.InterpolationDelayTicksFor(3), 3); // sends land on snapshot ticks: 3 rounds up to 4
        Assert.Equal(8, estimator.InterpolationDelayTicksFor(4), 3);
        Assert.Equal(12, estimator.InterpolationDelayTicksFor(5), 3); // 6
        Assert.Equal(estimator.RenderTick(10) - 4, estimator.RenderTick(10, 4), 6);
    }

    [Fact]
    public void EstimatorSnapsAfterALargeJump()
    {
        var estimator = new ServerTickEstimator(60);
        estimator.OnSnapshot(100, 0, 0);
        estimator.OnSnapshot(5000, 1, 0);
        Assert.InRange(estimator.EstimateServerTick(1), 4999.5, 5000.5);
    }
}
