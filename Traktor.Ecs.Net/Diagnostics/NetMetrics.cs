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

    /// <summary>
    /// Datagrams or messages refused by a receive budget (tag traktor.budget: datagrams = a connection's per-update
    /// datagrams, messages = its per-update messages or bytes, queue = the shared event queue's bound).
    /// </summary>
    public static readonly Counter<long> BudgetExceeded = Meter.CreateCounter<long>("traktor.net.budget.exceeded", "{item}", "Datagrams or messages refused by a receive budget");

    /// <summary>
    /// Protocol violations by authenticated peers (tag traktor.violation: compression, empty_record, record_count,
    /// malformed, missing_reliable_id, budget).
    /// </summary>
    public static readonly Counter<long> Violations = Meter.CreateCounter<long>("traktor.net.violations", "{violation}", "Protocol violations by authenticated peers");

    /// <summary>The per-connection instruments below read one snapshot per scrape, each by its index.</summary>
    internal static readonly StatsScrape Scrape = new(instruments: 10);

    /// <summary>Smoothed round-trip time per connection (tags: traktor.client_id, traktor.role).</summary>
    public static readonly ObservableGauge<double> RoundTripTime =
        Meter.CreateObservableGauge("traktor.net.connection.rtt", () => Scrape.Observe(0, s => s.RoundTripTimeMs), "ms", "Smoothed round-trip time per connection");

    /// <summary>Round-trip variation per connection.</summary>
    public static readonly ObservableGauge<double> Jitter =
        Meter.CreateObservableGauge("traktor.net.connection.jitter", () => Scrape.Observe(1, s => s.JitterMs), "ms", "Round-trip variation per connection");

    /// <summary>Packet loss per connection, 0–100.</summary>
    public static readonly ObservableGauge<double> PacketLoss =
        Meter.CreateObservableGauge("traktor.net.connection.loss", () => Scrape.Observe(2, s => s.PacketLossPercent), "%", "Packet loss per connection");

    /// <summary>Received kilobytes per second per connection.</summary>
    public static readonly ObservableGauge<double> KilobytesIn =
        Meter.CreateObservableGauge("traktor.net.connection.in", () => Scrape.Observe(3, s => s.KilobytesInPerSecond), "kB/s", "Received kilobytes per second per connection");

    /// <summary>Sent kilobytes per second per connection.</summary>
    public static readonly ObservableGauge<double> KilobytesOut =
        Meter.CreateObservableGauge("traktor.net.connection.out", () => Scrape.Observe(4, s => s.KilobytesOutPerSecond), "kB/s", "Sent kilobytes per second per connection");

    /// <summary>Reliable messages resent per connection, since it started.</summary>
    public static readonly ObservableCounter<long> ConnectionResends =
        Meter.CreateObservableCounter("traktor.net.connection.resends", () => Scrape.Observe(5, s => s.Resends), "{message}", "Reliable messages resent per connection");

    /// <summary>Congestion window per connection: bytes of packets carrying reliable messages that may be in flight.</summary>
    public static readonly ObservableGauge<long> CongestionWindow =
        Meter.CreateObservableGauge("traktor.net.connection.cwnd", () => Scrape.Observe(6, s => s.CongestionWindowBytes), "By", "Congestion window per connection");

    /// <summary>Bytes of packets carrying reliable messages in flight (neither acknowledged nor declared lost) per connection.</summary>
    public static readonly ObservableGauge<long> BytesInFlight =
        Meter.CreateObservableGauge("traktor.net.connection.in_flight", () => Scrape.Observe(7, s => s.BytesInFlight), "By", "Reliable bytes in flight per connection");

    /// <summary>Congestion window cuts (loss episodes and persistent timeouts) per connection, since it started.</summary>
    public static readonly ObservableCounter<long> LossEvents =
        Meter.CreateObservableCounter("traktor.net.connection.loss_events", () => Scrape.Observe(8, s => s.LossEvents), "{event}", "Congestion window cuts per connection");

    /// <summary>Congestion window cuts undone per connection (every packet of their loss episode was acknowledged after all), since it started.</summary>
    public static readonly ObservableCounter<long> SpuriousLossUndos =
        Meter.CreateObservableCounter("traktor.net.connection.spurious_loss_undos", () => Scrape.Observe(9, s => s.SpuriousLossUndos), "{event}", "Congestion window cuts undone per connection");

    internal static void Register(INetStatsSource source) => Scrape.Register(source);

    internal static void Unregister(INetStatsSource source) => Scrape.Unregister(source);
}
