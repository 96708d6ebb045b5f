using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics"/> instruments of the transport, on a meter named after the
/// assembly ("Traktor.Ecs.Net"), for dotnet-counters and OpenTelemetry.
/// </summary>
public static class NetMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Traktor.Ecs.Net";

    /// <summary>The shared meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Datagrams sent.</summary>
    public static readonly Counter<long> PacketsSent = Meter.CreateCounter<long>("traktor.net.packets.sent", "{packet}", "Datagrams sent");

    /// <summary>Datagrams received (before validation).</summary>
    public static readonly Counter<long> PacketsReceived = Meter.CreateCounter<long>("traktor.net.packets.received", "{packet}", "Datagrams received");

    /// <summary>Bytes sent.</summary>
    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("traktor.net.bytes.sent", "By", "Bytes sent");

    /// <summary>Bytes received.</summary>
    public static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>("traktor.net.bytes.received", "By", "Bytes received");

    /// <summary>Datagrams dropped as malformed, forged, replayed or rate limited.</summary>
    public static readonly Counter<long> PacketsDropped = Meter.CreateCounter<long>("traktor.net.packets.dropped", "{packet}", "Datagrams dropped by validation");

    /// <summary>Reliable messages resent.</summary>
    public static readonly Counter<long> Resends = Meter.CreateCounter<long>("traktor.net.resends", "{message}", "Reliable messages resent");

    /// <summary>Connections established.</summary>
    public static readonly Counter<long> Connections = Meter.CreateCounter<long>("traktor.net.connections", "{connection}", "Connections established");

    /// <summary>Connections ended.</summary>
    public static readonly Counter<long> Disconnections = Meter.CreateCounter<long>("traktor.net.disconnections", "{connection}", "Connections ended");
}
