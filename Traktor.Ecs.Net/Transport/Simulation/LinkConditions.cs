
namespace Traktor.Ecs.Net;

/// <summary>Network conditions applied by <see cref="LinkSimulator"/> to outgoing datagrams. Mutable at run time.</summary>
public sealed class LinkConditions
{
    /// <summary>One-way base latency in milliseconds.</summary>
    public double LatencyMs { get; set; }

    /// <summary>Uniform random latency variation (±) in milliseconds.</summary>
    public double JitterMs { get; set; }

    /// <summary>Probability (0–100) that a datagram is dropped.</summary>
    public double LossPercent { get; set; }

    /// <summary>Probability (0–100) that a datagram is delivered twice.</summary>
    public double DuplicatePercent { get; set; }

    /// <summary>Probability (0–100) that a datagram is held back by an extra random delay, so later ones overtake it.</summary>
    public double ReorderPercent { get; set; }

    /// <summary>Link capacity in bytes per second; 0 means unlimited. Datagrams queue behind each other, and are dropped past one second of queue.</summary>
    public double BandwidthBytesPerSecond { get; set; }
}
