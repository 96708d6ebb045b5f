using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// The same protocol over UDP, TCP and WebSocket on loopback, encrypted (the default secure mode), in one run:
/// ping-pong (one unreliable round trip per operation) and batch (1,000 reliable 32-byte messages queued at once,
/// one operation per message). Besides time, the CPU column is the whole process's CPU time per operation (every
/// thread: the polling thread, which never sleeps, and Kestrel's and ClientWebSocket's socket threads).
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*TransportKindBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ProcessCpuColumn.Config))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TransportKindBenchmarks
{
    private const int PingPongs = 1000;
    private const int BatchSize = 1000;
    private const int Batches = 10;
    private static readonly byte[] Message = new byte[32];
    private TraktorLoopback _loopback = null!;
    private readonly ProcessCpuColumn.Meter _cpu = new();

    /// <summary>The transport under both ends.</summary>
    [Params(TransportKind.Udp, TransportKind.Tcp, TransportKind.WebSocket)]
    public TransportKind Kind { get; set; }

    [GlobalSetup]
    public void Setup() => _loopback = new TraktorLoopback(secure: true, Kind);

    [GlobalCleanup]
    public void Cleanup()
    {
        _cpu.Save();
        _loopback.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Unreliable")]
    public void PingPong()
    {
        _cpu.Start(nameof(PingPong), Kind.ToString());
        _loopback.PingPong(ChannelKind.Unreliable, Message, PingPongs);
        _cpu.Stop(PingPongs);
    }

    [Benchmark(OperationsPerInvoke = BatchSize * Batches), BenchmarkCategory("Batch-Reliable")]
    public void Batch()
    {
        _cpu.Start(nameof(Batch), Kind.ToString());
        for (int i = 0; i < Batches; i++) _loopback.Batch(Message, BatchSize);
        _cpu.Stop(BatchSize * Batches);
    }
}
