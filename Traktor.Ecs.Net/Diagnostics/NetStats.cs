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

    /// <summary>
    /// Share lost of the last 256 sent packets whose fate the peer's acks told (delivered or missing), 0–100; packets not
    /// told yet count neither way (docs/TRANSPORT.md, "Loss estimate").
    /// </summary>
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

    /// <summary>
    /// The congestion window in bytes: how many bytes of packets carrying reliable messages may be in flight at once
    /// (docs/TRANSPORT.md, "Resend timing and congestion control"). Unreliable traffic is not held by it.
    /// </summary>
    public long CongestionWindowBytes { get; init; }

    /// <summary>Bytes of packets carrying reliable messages sent and neither acknowledged nor declared lost.</summary>
    public long BytesInFlight { get; init; }

    /// <summary>
    /// Times the congestion window was cut since the connection started: a loss episode while the round trip showed a
    /// queue (at most one a round trip), or the retransmission timeout firing twice in a row. Cuts later undone count too
    /// (<see cref="SpuriousLossUndos"/>).
    /// </summary>
    public long LossEvents { get; init; }

    /// <summary>
    /// Window cuts taken back because every packet their loss episode declared lost was acknowledged after all (reordered
    /// or delayed past the loss thresholds, not lost): the window went back to what it was before the cut.
    /// </summary>
    public long SpuriousLossUndos { get; init; }

    /// <summary>Reliable messages queued or in flight and not yet acknowledged.</summary>
    public int PendingReliable { get; init; }

    /// <summary>Unreliable messages dropped before sending (queue full or no room in the update's packets).</summary>
    public long UnreliableDropped { get; init; }

    /// <summary>
    /// Silence after which this connection is dropped (<see cref="DisconnectReason.TimedOut"/>): its connect token's
    /// timeout in secure mode, else <see cref="NetPeerOptions.Timeout"/>, or the transport's idle timeout for the peer when
    /// that is shorter (<see cref="IPeerAwareTransport.IdleTimeoutFor"/>: a TCP or WebSocket stream silent for
    /// <see cref="StreamTransportOptions.IdleTimeout"/> is closed, and the connection with it); zero when the transport
    /// does not say. The server's replication waits longer than this before it cuts a client that acknowledges no despawn.
    /// </summary>
    public TimeSpan Timeout { get; init; }

    // A newcomer printing the stats of a fallback client could not tell UDP from WebSocket without reading Transport.
    private string TransportName => Transport switch
    {
        TransportKind.Tcp => "tcp",
        TransportKind.WebSocket => "websocket",
        _ => "udp",
    };

    /// <summary>
    /// The link as one line with units, led by the transport that carries it: "udp, rtt 48.2 ms, jitter 1.3 ms, loss 2.0 %, in 12.4 kB/s, out 3.1 kB/s,
    /// packets 600 sent / 590 received, 1,200,000 B sent / 3,400,000 B received, 4 resends, 0 reliable pending,
    /// 0 unreliable dropped" (kB = 1,000 bytes).
    /// </summary>
    /// <returns>The statistics.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{TransportName}, rtt {RoundTripTimeMs:0.0} ms, jitter {JitterMs:0.0} ms, loss {PacketLossPercent:0.0} %, in {KilobytesInPerSecond:0.0} kB/s, out {KilobytesOutPerSecond:0.0} kB/s, packets {PacketsSent:N0} sent / {PacketsReceived:N0} received, {BytesSent:N0} B sent / {BytesReceived:N0} B received, {Resends:N0} resends, {PendingReliable:N0} reliable pending, {UnreliableDropped:N0} unreliable dropped");
}
