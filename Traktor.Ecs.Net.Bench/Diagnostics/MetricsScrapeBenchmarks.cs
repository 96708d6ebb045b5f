using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Bench.Diagnostics;

/// <summary>
/// One scrape of the ten per-connection instruments (<see cref="NetMetrics"/>) by a listener such as dotnet-counters or
/// OpenTelemetry, over <see cref="Connections"/> connections whose values change between scrapes.
/// </summary>
[MemoryDiagnoser]
public class MetricsScrapeBenchmarks
{
    private FakeStatsSource _source = null!;
    private MeterListener _listener = null!;
    private double _sum;

    /// <summary>Connections scraped.</summary>
    [Params(100, 1000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = new FakeStatsSource(Connections, 1, "server");
        NetMetrics.Register(_source);
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name.StartsWith("traktor.net.connection.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _sum += value);
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _sum += value);
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        NetMetrics.Unregister(_source);
    }

    [Benchmark]
    public double Scrape()
    {
        _source.Update();
        _listener.RecordObservableInstruments();
        return _sum;
    }
}
