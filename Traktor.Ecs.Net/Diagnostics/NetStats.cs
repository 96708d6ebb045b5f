using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net;

/// <summary>A snapshot of one connection's statistics (what the engine's <c>getStats()</c> reports).</summary>
public readonly record struct NetStats
{
    /// <summary>How the connection's datagrams travel (UDP, TCP or WebSocket), from the peer's address.</summary>
    public TransportKind Transport { get; init; }

    /// <summary>Smoothed round-trip time in milliseconds.</summary>
    public double RoundTripTimeMs { get; init; }

    /// <summary>Smoothed round-trip variation in milliseconds.</summary>
    public double JitterMs { get; init; }

    /// <summary>Share of sent packets never acknowledged, recent-weighted, 0–100.</summary>
    public double PacketLossPercent { get; init; }

    /// <summary>Received bytes per second over the last second (datagram sizes).</summary>
    public double BytesInPerSecond { get; init; }

    /// <summary>Sent bytes per second over the last second (datagram sizes).</summary>
    public double BytesOutPerSecond { get; init; }

    /// <summary>Received kilobytes (1000 bytes) per second.</summary>
    public double KilobytesInPerSecond => BytesInPerSecond / 1000.0;

    /// <summary>Sent kilobytes (1000 bytes) per second.</summary>
    public double KilobytesOutPerSecond => BytesOutPerSecond / 1000.0;

    /// <summary>Packets sent since the connection started.</summary>
    public long PacketsSent { get; init; }

    /// <summary>Packets received and authenticated since the connection started.</summary>
    public long PacketsReceived { get; init; }

    /// <summary>Total bytes sent.</summary>
    public long BytesSent { get; init; }

    /// <summary>Total bytes received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Reliable messages sent again because no ack came in time.</summary>
    public long Resends { get; init; }

    /// <summary>Reliable messages queued or in flight and not yet acknowledged.</summary>
    public int PendingReliable { get; init; }

    /// <summary>Unreliable messages dropped before sending (queue full or no room in the update's packets).</summary>
    public long UnreliableDropped { get; init; }
}
