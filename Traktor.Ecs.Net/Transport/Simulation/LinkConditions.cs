
namespace Traktor.Ecs.Net;

/// <summary>Network conditions applied by <see cref="LinkSimulator"/> to outgoing datagrams. Mutable at run time.</summary>
public sealed class LinkConditions
{
    /// <summary>
    /// Base latency in milliseconds, one way: added to every datagram this simulator sends. A simulator on each
    /// end with <c>LatencyMs = 50</c> makes a 100 ms round trip; one on a single end with 50 makes 50 ms.
    /// </summary>
    public double LatencyMs { get; set; }

    /// <summary>
    /// Uniform random latency variation (±) in milliseconds, drawn for each datagram on its own. Datagrams sent less than
    /// twice this apart can therefore arrive out of order even with <see cref="ReorderPercent"/> 0: keep it at most half the
    /// interval between sends (8 ms for a 60 Hz sender) for a varying delay that keeps the order.
    /// </summary>
    public double JitterMs { get; set; }

    /// <summary>Probability (0–100) that a datagram is dropped.</summary>
    public double LossPercent { get; set; }

    /// <summary>Probability (0–100) that a datagram is delivered twice.</summary>
    public double DuplicatePercent { get; set; }

    /// <summary>
    /// Probability (0–100) that a datagram is held back by an extra random delay, so later ones overtake it. With 0 a link
    /// keeps the order only while <see cref="JitterMs"/> is at most half the interval between sends.
    /// </summary>
    public double ReorderPercent { get; set; }

    /// <summary>Link capacity in bytes per second; 0 means unlimited. Datagrams queue behind each other, and are dropped past one second of queue.</summary>
    public double BandwidthBytesPerSecond { get; set; }
}
