using System.Diagnostics.Metrics;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A scrape of the per-connection instruments walks the connections once, whatever the number of instruments, and
/// allocates nothing but the measurements it hands over. Alone in its collection: the meter is process-wide, and another
/// test's listener scraping meanwhile would take snapshots of its own.
/// </summary>
[Collection(Name)]
public class MetricsScrapeTests
{
    public const string Name = nameof(MetricsScrapeTests);
    private const int Connections = 1000;
    private const int PerConnectionInstruments = 10;

    /// <summary>A server's worth of connections, counting how often they are walked.</summary>
    private sealed class Source(ulong firstId) : INetStatsSource
    {
        public int Walks;
        public long Version;

        public long StatsVersion => Version;

        public void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
        {
            Walks++;
            for (int i = 0; i < Connections; i++) into.Add((firstId + (ulong)i, "server", new NetStats { RoundTripTimeMs = i, CongestionWindowBytes = 12_000 + i }));
        }
    }

    private static MeterListener PerConnectionListener(Action<string, object?> onMeasurement)
    {
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name.StartsWith("traktor.net.connection.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => onMeasurement(instrument.Name, tags.Length > 0 ? tags[0].Value : null));
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => onMeasurement(instrument.Name, tags.Length > 0 ? tags[0].Value : null));
        listener.Start();
        return listener;
    }

    [Fact]
    public void A_scrape_walks_the_connections_once_and_allocates_only_the_measurements()
    {
        const ulong FirstId = 0x5C_0000_0000;
        var source = new Source(FirstId);
        NetMetrics.Register(source);
        try
        {
            var ours = new Dictionary<string, int>();
            using var listener = PerConnectionListener((name, clientId) =>
            {
                if (clientId is ulong id && id >= FirstId && id < FirstId + Connections) ours[name] = ours.GetValueOrDefault(name) + 1;
            });
            listener.RecordObservableInstruments();
            Assert.Equal(PerConnectionInstruments, ours.Count);
            Assert.All(ours.Values, count => Assert.Equal(Connections, count));
            // Before: each of the ten instruments walked every connection (ten walks, ten locks of each server).
            Assert.Equal(1, source.Walks);
            listener.RecordObservableInstruments();
            Assert.Equal(2, source.Walks);

            // What a steady scrape allocates: per instrument the array of its measurements (16 bytes each), and per
            // measurement the copy of its two tags the runtime's Measurement makes (an array of 2 × 16 bytes). Before,
            // each instrument also built a list of every connection's statistics, boxed each client id and grew a list
            // of measurements: about 4.5 times as much.
            long measurementBytes = PerConnectionInstruments * (32 + 16L * Connections + (24 + 32L) * Connections);
            long before = GC.GetAllocatedBytesForCurrentThread();
            listener.RecordObservableInstruments();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= measurementBytes + 16 * 1024, $"a scrape of {Connections} connections allocated {allocated:N0} bytes, its measurements take {measurementBytes:N0}");
        }
        finally
        {
            NetMetrics.Unregister(source);
        }
    }

    [Fact]
    public void A_snapshot_serves_one_scrape_only()
    {
        var scrape = new StatsScrape(instruments: 2);
        var source = new Source(1);
        scrape.Register(source);
        Assert.Equal(Connections, scrape.Observe(0, s => s.RoundTripTimeMs).Length);
        var cwnd = scrape.Observe(1, s => s.CongestionWindowBytes);
        Assert.Equal(1, scrape.Walks);
        Assert.Equal(12_000 + 7, cwnd[7].Value);
        Assert.Equal(8UL, cwnd[7].Tags[0].Value);
        Assert.Equal("server", cwnd[7].Tags[1].Value);

        // Asked again: a new scrape, whose second instrument shares its snapshot.
        scrape.Observe(0, s => s.RoundTripTimeMs);
        scrape.Observe(1, s => s.CongestionWindowBytes);
        Assert.Equal(2, scrape.Walks);
        // An update in between: the snapshot may be out of date, so the instrument that has not read it walks anew
        // (before, a collector of cwnd alone read what another collector's scrape of rtt had left, seconds old).
        scrape.Observe(0, s => s.RoundTripTimeMs);
        source.Version++;
        scrape.Observe(1, s => s.CongestionWindowBytes);
        Assert.Equal(4, scrape.Walks);
        // So does a source coming or going.
        scrape.Observe(0, s => s.RoundTripTimeMs);
        scrape.Unregister(source);
        Assert.Empty(scrape.Observe(1, s => s.RoundTripTimeMs));
        Assert.Equal(5, scrape.Walks); // the first of these two read the snapshot of the update, not read by it yet
    }
}

[CollectionDefinition(MetricsScrapeTests.Name, DisableParallelization = true)]
public class MetricsScrapeCollection;
