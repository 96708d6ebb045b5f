namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>The running measurements behind <see cref="NetStats"/> for one connection.</summary>
internal sealed class ConnectionStatistics
{
    private const double RttGain = 1.0 / 8;
    private const double JitterGain = 1.0 / 4;
    private const double LossGain = 1.0 / 32;

    private double _windowStart = double.NaN;
    private long _windowBytesIn;
    private long _windowBytesOut;

    public double SmoothedRtt { get; private set; }
    public double RttVariation { get; private set; }
    public bool HasRttSample { get; private set; }
    public double Loss { get; private set; }
    public double BytesInPerSecond { get; private set; }
    public double BytesOutPerSecond { get; private set; }
    public long PacketsSent { get; private set; }
    public long PacketsReceived { get; private set; }
    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }

    /// <summary>How long to wait for an ack before resending: 1.25 RTT + 4 variations (after RFC 6298, with headroom for tick-quantised acks), bounded so it never grows without limit.</summary>
    public double ResendDelay => HasRttSample ? Math.Clamp(1.25 * SmoothedRtt + 4 * RttVariation + 0.005, 0.03, 1.0) : 0.2;

    public void AddRttSample(double seconds)
    {
        if (!HasRttSample)
        {
            SmoothedRtt = seconds;
            RttVariation = seconds / 2;
            HasRttSample = true;
            return;
        }
        RttVariation += (Math.Abs(seconds - SmoothedRtt) - RttVariation) * JitterGain;
        SmoothedRtt += (seconds - SmoothedRtt) * RttGain;
    }

    public void AddLossSample(bool lost) => Loss += ((lost ? 1.0 : 0.0) - Loss) * LossGain;

    public void OnSent(int bytes)
    {
        PacketsSent++;
        BytesSent += bytes;
        _windowBytesOut += bytes;
    }

    public void OnReceived(int bytes)
    {
        PacketsReceived++;
        BytesReceived += bytes;
        _windowBytesIn += bytes;
    }

    public void Tick(double now)
    {
        if (double.IsNaN(_windowStart)) _windowStart = now;
        double elapsed = now - _windowStart;
        if (elapsed < 1.0) return;
        BytesInPerSecond = _windowBytesIn / elapsed;
        BytesOutPerSecond = _windowBytesOut / elapsed;
        _windowBytesIn = 0;
        _windowBytesOut = 0;
        _windowStart = now;
    }
}
