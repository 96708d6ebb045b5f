using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>The running measurements behind <see cref="NetStats"/> for one connection.</summary>
internal sealed class ConnectionStatistics
{
    private const double RttGain = 1.0 / 8;
    private const double JitterGain = 1.0 / 4;

    /// <summary><see cref="Loss"/> is the share lost of the last this many packets whose fate became known.</summary>
    public const int LossWindow = 256;

    // Byte rates over a rolling window of ten 100 ms buckets: a rate is there from the first tenth of a
    // second, and follows changes within a second (a fixed one-second window would read 0 for its first second).
    private const int Buckets = 10;
    private const double BucketSeconds = 0.1;
    // The buckets live inside this object, and their sums are kept as they change: Tick runs for every connection in
    // every server tick, and two arrays of their own would be two more cold cache lines per connection, summed in full each
    // time (thousands of connections per tick).
    private BucketArray _bucketIn;
    private BucketArray _bucketOut;
    private long _sumIn;
    private long _sumOut;
    private double _windowStart = double.NaN;
    private long _bucket;
    private long _pendingIn;
    private long _pendingOut;

    // When the newest bytes not yet ticked were counted (NaN: not told), so a read long after drops them.
    private double _pendingInAt = double.NaN;
    private double _pendingOutAt = double.NaN;

    /// <summary>A sample this many resend delays long is set aside as an outlier (see <see cref="AddRttSample"/>).</summary>
    public const double OutlierFactor = 2;

    private const int MaxOutliers = 16;
    private int _outliers;

    public double SmoothedRtt { get; private set; }
    public double RttVariation { get; private set; }
    public bool HasRttSample { get; private set; }

    /// <summary>
    /// The share of the last <see cref="LossWindow"/> packets whose fate became known that were lost (0 before any):
    /// a packet's fate is known when the peer's acks tell (docs/TRANSPORT.md, "Loss estimate"), so a sender whose traffic
    /// thins out or stops counts its last packets' losses as soon as it counts their deliveries, and a packet declared
    /// lost that is acknowledged after all counts as delivered.
    /// </summary>
    public double Loss => _fates == 0 ? 0 : (double)_lostInWindow / Math.Min(_fates, LossWindow);

    private FateBits _lostBits;
    private long _fates;
    private int _lostInWindow;
    public double BytesInPerSecond { get; private set; }
    public double BytesOutPerSecond { get; private set; }
    public long PacketsSent { get; private set; }
    public long PacketsReceived { get; private set; }
    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }

    /// <summary>How long to wait for an ack before resending: 1.25 RTT + 4 variations (after RFC 6298, with headroom for tick-quantised acks), bounded so it never grows without limit.</summary>
    public double ResendDelay => HasRttSample ? Math.Clamp(1.25 * SmoothedRtt + 4 * RttVariation + 0.005, 0.03, 1.0) : 0.2;

    /// <summary>
    /// Takes a round-trip sample, unless it is more than <see cref="OutlierFactor"/> resend delays (doubling with each
    /// sample set aside since the last one taken). When both ways were dark, the peer's first packet after acknowledges
    /// the last packet it had before the outage, and the sample measures the outage: taken, it would pin the resend delay
    /// at its 1 s bound for seconds after the link came back, and recovery would wait on a delay the path does not have. A path
    /// that really got slower gets through after a few samples, as the bound doubles.
    /// </summary>
    public void AddRttSample(double seconds)
    {
        if (!HasRttSample)
        {
            SmoothedRtt = seconds;
            RttVariation = seconds / 2;
            HasRttSample = true;
            return;
        }
        if (seconds > OutlierFactor * ResendDelay * (1 << _outliers))
        {
            _outliers = Math.Min(_outliers + 1, MaxOutliers);
            return;
        }
        _outliers = 0;
        RttVariation += (Math.Abs(seconds - SmoothedRtt) - RttVariation) * JitterGain;
        SmoothedRtt += (seconds - SmoothedRtt) * RttGain;
    }

    /// <summary>Counts a packet whose fate became known; returns the fate's number, for <see cref="CorrectLoss"/>.</summary>
    public long AddFate(bool lost)
    {
        int slot = (int)(_fates % LossWindow);
        ref ulong word = ref _lostBits[slot >> 6];
        ulong bit = 1UL << (slot & 63);
        if ((word & bit) != 0) _lostInWindow--;
        if (lost)
        {
            word |= bit;
            _lostInWindow++;
        }
        else word &= ~bit;
        return _fates++;
    }

    /// <summary>The packet of fate <paramref name="fate"/>, counted lost, was acknowledged after all: delivered, while it is in the window.</summary>
    public void CorrectLoss(long fate)
    {
        if (fate < 0 || fate >= _fates || _fates - fate > LossWindow) return;
        int slot = (int)(fate % LossWindow);
        ref ulong word = ref _lostBits[slot >> 6];
        ulong bit = 1UL << (slot & 63);
        if ((word & bit) == 0) return;
        word &= ~bit;
        _lostInWindow--;
    }

    /// <summary>Counts a sent datagram; <paramref name="now"/> (when known) lets <see cref="RatesAt"/> drop it once it is old.</summary>
    public void OnSent(int bytes, double now = double.NaN)
    {
        PacketsSent++;
        BytesSent += bytes;
        _pendingOut += bytes;
        _pendingOutAt = now;
    }

    /// <summary>Counts a received datagram; <paramref name="now"/> as for <see cref="OnSent"/>.</summary>
    public void OnReceived(int bytes, double now = double.NaN)
    {
        PacketsReceived++;
        BytesReceived += bytes;
        _pendingIn += bytes;
        _pendingInAt = now;
    }

    public void Tick(double now)
    {
        if (double.IsNaN(_windowStart)) _windowStart = now;
        double elapsed = Math.Max(0, now - _windowStart);
        long bucket = (long)(elapsed / BucketSeconds);
        if (bucket - _bucket >= Buckets)
        {
            _bucketIn = default;
            _bucketOut = default;
            _sumIn = 0;
            _sumOut = 0;
        }
        else
        {
            for (long b = _bucket + 1; b <= bucket; b++)
            {
                int index = (int)(b % Buckets);
                _sumIn -= _bucketIn[index];
                _sumOut -= _bucketOut[index];
                _bucketIn[index] = 0;
                _bucketOut[index] = 0;
            }
        }

        _bucket = bucket;
        _bucketIn[(int)(bucket % Buckets)] += _pendingIn;
        _bucketOut[(int)(bucket % Buckets)] += _pendingOut;
        _sumIn += _pendingIn;
        _sumOut += _pendingOut;
        _pendingIn = 0;
        _pendingOut = 0;

        // The window: the nine whole buckets before this one (or fewer, early on) plus this one so far.
        double covered = Math.Max(BucketSeconds, Math.Min(elapsed, ((Buckets - 1) * BucketSeconds) + (elapsed - (bucket * BucketSeconds))));
        BytesInPerSecond = _sumIn / covered;
        BytesOutPerSecond = _sumOut / covered;
    }

    /// <summary>
    /// The byte rates as <see cref="Tick"/> would make them at <paramref name="now"/>, without changing anything: a server
    /// connection asleep between keep-alives (ConnectionSchedule) is not ticked, and its stats read at any time must not
    /// show the rates of its last tick. Costs only the read, no per-tick work.
    /// </summary>
    public (double In, double Out) RatesAt(double now)
    {
        if (double.IsNaN(_windowStart)) return (0, 0);
        double elapsed = Math.Max(0, now - _windowStart);
        long bucket = Math.Max(_bucket, (long)(elapsed / BucketSeconds));
        long sumIn = _sumIn, sumOut = _sumOut;
        if (bucket - _bucket >= Buckets)
        {
            sumIn = 0;
            sumOut = 0;
        }
        else
        {
            for (long b = _bucket + 1; b <= bucket; b++)
            {
                sumIn -= _bucketIn[(int)(b % Buckets)];
                sumOut -= _bucketOut[(int)(b % Buckets)];
            }
        }
        if (!(now - _pendingInAt >= Buckets * BucketSeconds)) sumIn += _pendingIn;
        if (!(now - _pendingOutAt >= Buckets * BucketSeconds)) sumOut += _pendingOut;
        double covered = Math.Max(BucketSeconds, Math.Min(elapsed, ((Buckets - 1) * BucketSeconds) + (elapsed - (bucket * BucketSeconds))));
        return (sumIn / covered, sumOut / covered);
    }

    /// <summary>One bit a fate of the loss window, set when the packet was lost, stored inline.</summary>
    [InlineArray(LossWindow / 64)]
    private struct FateBits
    {
        private ulong _element;
    }

    /// <summary>The byte counts of the window's buckets, stored inline.</summary>
    [InlineArray(Buckets)]
    private struct BucketArray
    {
        private long _element;
    }
}
