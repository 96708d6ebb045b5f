namespace Traktor.Ecs.Net.Replication.Timing;

/// <summary>
/// A client's estimate of the server's current tick, from the ticks stamped on snapshots and the
/// measured round-trip time. The offset between local time and server ticks is smoothed so a late
/// or early packet moves it only a little; a large error (a stall, a server hiccup) snaps it.
/// Also measures arrival jitter and the spacing of snapshot ticks (a server sending below its tick rate,
/// <see cref="ServerReplicationOptions.SnapshotRate"/>), from which <see cref="InterpolationDelayTicks"/> adapts.
/// </summary>
public sealed class ServerTickEstimator
{
    private const double Smoothing = 0.1;
    private const double SnapThresholdTicks = 10;

    // The server's rhythm is the smallest gap between consecutive snapshots lately: losses, reordering and quiet ticks
    // (nothing to send) only ever lengthen gaps, so the minimum over the last few ignores them. One gap can be short
    // without a faster rhythm, though: when the ticks the server sends on move (a successor host after a migration
    // sends on other ticks of the interval), so a gap counts only once it recurs.
    private const int SpacingSamples = 16;
    private readonly double tickRate;
    private bool hasEstimate;
    private double offsetTicks; // newest received tick minus local time in ticks (the arrival timeline)
    private double halfRoundTripTicks;
    private double jitterTicks;
    private double lastArrivalError;
    private uint newestTick;
    private readonly uint[] gaps = new uint[SpacingSamples];
    private int gapCount;
    private int nextGap;

    /// <summary>Creates an estimator.</summary>
    /// <param name="tickRate">The server's ticks per second: 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> (1,000).</param>
    /// <param name="minimumDelayTicks">The smallest interpolation delay, in ticks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tickRate"/> is out of its range.</exception>
    public ServerTickEstimator(int tickRate, double minimumDelayTicks = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tickRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tickRate, ServerReplicationOptions.TickRateLimit);
        this.tickRate = tickRate;
        MinimumDelayTicks = minimumDelayTicks;
    }

    /// <summary>True once a snapshot has been seen.</summary>
    public bool HasEstimate => hasEstimate;

    /// <summary>The smallest interpolation delay, in ticks.</summary>
    public double MinimumDelayTicks { get; }

    /// <summary>The smoothed arrival jitter in ticks.</summary>
    public double JitterTicks => jitterTicks;

    /// <summary>
    /// Ticks between consecutive snapshots: 1 when the server sends every tick, 2 at half its tick rate. The smallest
    /// gap seen at least twice among the last 16 snapshots, so lost snapshots and ticks with nothing to send do not
    /// count, nor does one short gap where the server's send ticks moved.
    /// </summary>
    public double SnapshotSpacingTicks { get; private set; } = 1;

    /// <summary>
    /// How far behind the estimated server tick remote entities are presented: enough to have a
    /// snapshot on both sides of the render time despite jitter, the gaps between snapshots and one
    /// lost snapshot (minimum + 2 × spacing beyond one tick + 2 × jitter).
    /// </summary>
    // The minimum (2 ticks at a snapshot per tick) covers the gap to the next snapshot and one lost; a server sending
    // every n ticks widens both gaps by n - 1. Adding n - 1 only once left no room for a loss: below the tick rate
    // every lost snapshot stopped remote entities until the next arrived (TimingTests.EstimatorRidesOutOneLostSnapshot).
    public double InterpolationDelayTicks => DelayForSpacing(SnapshotSpacingTicks);

    /// <summary>
    /// The interpolation delay for an entity the server sends at most every <paramref name="sendIntervalTicks"/> ticks
    /// (a <c>[Replicated(SendRate = …)]</c> below the snapshot rate): as <see cref="InterpolationDelayTicks"/>, with
    /// the entity's own spacing in place of the snapshots' when it is wider. Its sends fall on snapshot ticks, so the
    /// spacing is the interval rounded up to a whole number of snapshot spacings.
    /// </summary>
    /// <param name="sendIntervalTicks">The fewest ticks between two sends of the entity (1 = every snapshot).</param>
    // Presented at the snapshots' delay, such an entity outran its newest sample between sends and stood still for
    // part of every interval (InterpolationTests.An_entity_sent_less_often_than_snapshots_moves_every_frame).
    public double InterpolationDelayTicksFor(int sendIntervalTicks)
    {
        double spacing = SnapshotSpacingTicks;
        if (sendIntervalTicks <= spacing)
        {
            return DelayForSpacing(spacing);
        }

        return DelayForSpacing(Math.Ceiling(sendIntervalTicks / spacing) * spacing);
    }

    private double DelayForSpacing(double spacing) => MinimumDelayTicks + (2 * (spacing - 1)) + (2 * jitterTicks);

    /// <summary>Forgets the estimate (after a disconnect): <see cref="HasEstimate"/> is false until the next snapshot.</summary>
    internal void Reset()
    {
        hasEstimate = false;
        offsetTicks = 0;
        jitterTicks = 0;
        lastArrivalError = 0;
        newestTick = 0;
        gapCount = 0;
        nextGap = 0;
        SnapshotSpacingTicks = 1;
    }

    /// <summary>Feeds the arrival of a snapshot.</summary>
    /// <param name="serverTick">The tick stamped on the snapshot.</param>
    /// <param name="localSeconds">The local time of arrival, in seconds.</param>
    /// <param name="roundTripSeconds">The current RTT estimate.</param>
    public void OnSnapshot(uint serverTick, double localSeconds, double roundTripSeconds)
    {
        // Interpolation follows the arrival timeline; the server itself is half an RTT further on.
        halfRoundTripTicks = Math.Max(0, roundTripSeconds) * 0.5 * tickRate;
        double sample = serverTick - (localSeconds * tickRate);
        if (!hasEstimate)
        {
            offsetTicks = sample;
            newestTick = serverTick;
            hasEstimate = true;
            return;
        }

        uint gap = serverTick - newestTick;
        if ((int)gap > 0)
        {
            newestTick = serverTick;
            ObserveGap(gap);
        }

        double error = sample - offsetTicks;
        if (Math.Abs(error) > SnapThresholdTicks)
        {
            offsetTicks = sample;
            jitterTicks = 0;
            lastArrivalError = 0;
            return;
        }

        offsetTicks += error * Smoothing;
        jitterTicks += (Math.Abs(error - lastArrivalError) - jitterTicks) * Smoothing;
        lastArrivalError = error;
    }

    private void ObserveGap(uint gap)
    {
        gaps[nextGap] = gap;
        nextGap = (nextGap + 1) % SpacingSamples;
        gapCount = Math.Min(gapCount + 1, SpacingSamples);
        uint smallest = uint.MaxValue;
        uint smallestRecurring = uint.MaxValue;
        for (int i = 0; i < gapCount; i++)
        {
            uint candidate = gaps[i];
            smallest = Math.Min(smallest, candidate);
            if (candidate < smallestRecurring && Recurs(candidate, i))
            {
                smallestRecurring = candidate;
            }
        }

        // Before any gap recurs (the first few snapshots, or a rhythm broken by heavy loss) the smallest stands.
        SnapshotSpacingTicks = smallestRecurring != uint.MaxValue ? smallestRecurring : smallest;
    }

    private bool Recurs(uint gap, int at)
    {
        for (int j = at + 1; j < gapCount; j++)
        {
            if (gaps[j] == gap)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The estimated server tick at a local time (fractional): what the server is simulating now.</summary>
    /// <param name="localSeconds">Local time in seconds.</param>
    public double EstimateServerTick(double localSeconds) => ReceivedTick(localSeconds) + halfRoundTripTicks;

    /// <summary>The tick of the newest snapshot, advanced by the time since it arrived (no latency added).</summary>
    /// <param name="localSeconds">Local time in seconds.</param>
    public double ReceivedTick(double localSeconds) => offsetTicks + (localSeconds * tickRate);

    /// <summary>
    /// The tick at which remote entities should be presented now: the arrival timeline minus the
    /// interpolation delay, so a snapshot on both sides of it has normally arrived.
    /// </summary>
    /// <param name="localSeconds">Local time in seconds.</param>
    public double RenderTick(double localSeconds) => ReceivedTick(localSeconds) - InterpolationDelayTicks;

    /// <summary>The render tick for an entity sent at most every <paramref name="sendIntervalTicks"/> ticks (see <see cref="InterpolationDelayTicksFor"/>).</summary>
    /// <param name="localSeconds">Local time in seconds.</param>
    /// <param name="sendIntervalTicks">The fewest ticks between two sends of the entity.</param>
    public double RenderTick(double localSeconds, int sendIntervalTicks) =>
        ReceivedTick(localSeconds) - InterpolationDelayTicksFor(sendIntervalTicks);
}
