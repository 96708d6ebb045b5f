using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LiteNetLib;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// Traktor's transport beside LiteNetLib 2.1.5 over loopback, both polled on one thread. Ping-pong: one message
/// client → server → client per operation. Batch: one 32-byte reliable message per operation, sent 1,000 at a time.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*TransportBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TransportBenchmarks
{
    private const int PingPongs = 2000;
    private const int BatchSize = 1000;
    private const int Batches = 10;
    private const int BatchedMessages = BatchSize * Batches;
    private static readonly byte[] Message = new byte[32];
    private TraktorLoopback _secure = null!;
    private TraktorLoopback _insecure = null!;
    private LiteNetLibLoopback _lite = null!;

    [GlobalSetup]
    public void Setup()
    {
        _secure = new TraktorLoopback(secure: true);
        _insecure = new TraktorLoopback(secure: false);
        _lite = new LiteNetLibLoopback();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _secure.Dispose();
        _insecure.Dispose();
        _lite.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Unreliable")]
    public void LiteNetLib_Unreliable() => _lite.PingPong(DeliveryMethod.Unreliable, Message, PingPongs);

    [Benchmark(OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Unreliable")]
    public void Traktor_Unreliable_Encrypted() => _secure.PingPong(ChannelKind.Unreliable, Message, PingPongs);

    [Benchmark(OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Unreliable")]
    public void Traktor_Unreliable_Insecure() => _insecure.PingPong(ChannelKind.Unreliable, Message, PingPongs);

    [Benchmark(Baseline = true, OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Reliable")]
    public void LiteNetLib_Reliable() => _lite.PingPong(DeliveryMethod.ReliableOrdered, Message, PingPongs);

    [Benchmark(OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Reliable")]
    public void Traktor_Reliable_Encrypted() => _secure.PingPong(ChannelKind.ReliableOrdered, Message, PingPongs);

    [Benchmark(OperationsPerInvoke = PingPongs), BenchmarkCategory("PingPong-Reliable")]
    public void Traktor_Reliable_Insecure() => _insecure.PingPong(ChannelKind.ReliableOrdered, Message, PingPongs);

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchedMessages), BenchmarkCategory("Batch-Reliable")]
    public void LiteNetLib_Batch()
    {
        for (int i = 0; i < Batches; i++) _lite.Batch(Message, BatchSize);
    }

    [Benchmark(OperationsPerInvoke = BatchedMessages), BenchmarkCategory("Batch-Reliable")]
    public void Traktor_Batch_Encrypted()
    {
        for (int i = 0; i < Batches; i++) _secure.Batch(Message, BatchSize);
    }

    [Benchmark(OperationsPerInvoke = BatchedMessages), BenchmarkCategory("Batch-Reliable")]
    public void Traktor_Batch_Insecure()
    {
        for (int i = 0; i < Batches; i++) _insecure.Batch(Message, BatchSize);
    }
}
