using System.Diagnostics.Metrics;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A scrape of the per-connection instruments walks the connections once, whatever the number of instruments, and
/// allocates nothing once the connections' tags are built, while their values change. Alone in its collection: the meter is process-wide, and another
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

        /// <summary>Connection <paramref name="index"/>'s round trip at walk <paramref name="walk"/>: every walk tells new values.</summary>
        public static double RoundTrip(int index, int walk) => index + 1_000.0 * (walk - 1);

        public void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
        {
            Walks++;
            for (int i = 0; i < Connections; i++)
                into.Add((firstId + (ulong)i, "server", new NetStats { RoundTripTimeMs = RoundTrip(i, Walks), CongestionWindowBytes = 12_000 + i, Resends = Walks }));
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
    public void A_scrape_walks_the_connections_once_and_allocates_nothing()
    {
        const ulong FirstId = 0x5C_0000_0000;
        // Sources other tests left registered and nobody holds any more go now, not between two scrapes below.
        GC.Collect();
        GC.WaitForPendingFinalizers();
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

            // A steady scrape allocates nothing: before, each instrument handed over a new array of measurements and
            // the runtime's Measurement copied each one's two tags (720 KB a scrape here). Some slack in case another
            // test's server, still registered, is collected in between and the connections move (their tags are then
            // built again, 80 bytes each); the exact zero is A_steady_scrape_allocates_nothing_while_the_values_change.
            long before = GC.GetAllocatedBytesForCurrentThread();
            listener.RecordObservableInstruments();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= 128 * 1024, $"a scrape of {Connections} connections allocated {allocated:N0} bytes");
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
        Assert.Equal(Connections, scrape.Observe(0, s => s.RoundTripTimeMs).Count());
        var cwnd = scrape.Observe(1, s => s.CongestionWindowBytes).ToArray();
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

    [Fact]
    public void A_steady_scrape_allocates_nothing_while_the_values_change()
    {
        // The NetMetrics wiring on a meter and scrape of this test's own, so that no other source can move the rows.
        var scrape = new StatsScrape(instruments: 2);
        var source = new Source(1);
        scrape.Register(source);
        using var meter = new Meter($"{nameof(MetricsScrapeTests)}.{Guid.NewGuid():N}");
        meter.CreateObservableGauge("rtt", () => scrape.Observe(0, s => s.RoundTripTimeMs));
        meter.CreateObservableCounter("resends", () => scrape.Observe(1, s => s.Resends));
        var roundTrips = new double[Connections];
        var resends = new long[Connections];
        int wrongTags = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            if (tags is [{ Key: "traktor.client_id", Value: ulong id }, { Key: "traktor.role", Value: "server" }] && id is >= 1 and <= Connections) roundTrips[id - 1] = value;
            else wrongTags++;
        });
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags is [{ Key: "traktor.client_id", Value: ulong id }, { Key: "traktor.role", Value: "server" }] && id is >= 1 and <= Connections) resends[id - 1] = value;
            else wrongTags++;
        });
        listener.Start();
        listener.RecordObservableInstruments(); // builds the tags and each instrument's measurements once

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            source.Version++; // an update: new values, a new walk
            listener.RecordObservableInstruments();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        // And the values handed over are the last walk's, each under its own connection's tags.
        Assert.Equal(11, source.Walks);
        Assert.Equal(0, wrongTags);
        for (int i = 0; i < Connections; i++)
        {
            Assert.Equal(Source.RoundTrip(i, 11), roundTrips[i]);
            Assert.Equal(11, resends[i]);
        }
    }
}

[CollectionDefinition(MetricsScrapeTests.Name, DisableParallelization = true)]
public class MetricsScrapeCollection;
