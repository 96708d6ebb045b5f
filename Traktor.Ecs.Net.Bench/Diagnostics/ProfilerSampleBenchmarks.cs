using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Web.Profiler;

namespace Traktor.Ecs.Net.Bench.Diagnostics;

/// <summary>
/// One live-profiler sample (<see cref="ProfilerSampler.Take"/>) of a server and a client-side source, together
/// <see cref="Connections"/> connections whose values change between samples.
/// </summary>
[MemoryDiagnoser]
public class ProfilerSampleBenchmarks
{
    private ProfilerSampler _sampler = null!;
    private FakeStatsSource _server = null!;
    private FakeStatsSource _clients = null!;
    private double _seconds;
    private long _sequence;

    /// <summary>Connections sampled, half on each source.</summary>
    [Params(100, 1000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new FakeStatsSource(Connections / 2, 1, "server");
        _clients = new FakeStatsSource(Connections / 2, 1_000_000, "client");
        _sampler = new ProfilerSampler();
        _sampler.Add("server", _server);
        _sampler.Add("bots", _clients);
    }

    [Benchmark]
    public int Sample()
    {
        _server.Update();
        _clients.Update();
        _seconds += 1;
        return _sampler.Take(_seconds, ++_sequence).Length;
    }
}
