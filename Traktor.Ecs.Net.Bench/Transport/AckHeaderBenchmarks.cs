using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// What a received ack header costs the sender's <see cref="SentPackets"/> in steady traffic: one packet recorded, then
/// the peer's header acknowledging it as the newest with all 32 bits set (the 32 before it, already acknowledged, named
/// again). <see cref="EveryPacketElicits"/> false: only every fourth packet carried messages, the rest were ack-only, so
/// most headers acknowledge a packet that elicits nothing and the walk looks at each of the 32 bits for one that did.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*AckHeaderBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class AckHeaderBenchmarks : IReceiptSink
{
    private const int Packet = 1200;
    private readonly ConnectionStatistics _statistics = new();
    private SentPackets _sent = null!;
    private ReliableSendChannel _ordered = null!;
    private ReliableSendChannel _unordered = null!;
    private ushort _sequence;
    private double _now;

    /// <summary>True: every packet carried messages; false: one in four did.</summary>
    [Params(true, false)]
    public bool EveryPacketElicits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var pool = new MessageBufferPool(1_159);
        _sent = new SentPackets(new CongestionWindow(Packet));
        _ordered = new ReliableSendChannel(ChannelKind.ReliableOrdered, pool);
        _unordered = new ReliableSendChannel(ChannelKind.ReliableUnordered, pool);
        for (int i = 0; i < 2_000; i++) SendAndAcknowledge(); // the rings full, the round trip settled
    }

    /// <summary>One packet out, and the header that acknowledges it in.</summary>
    [Benchmark]
    public ushort SendAndAcknowledge()
    {
        ushort sequence = _sequence++;
        _now += 0.001;
        bool eliciting = EveryPacketElicits || sequence % 4 == 0;
        _sent.Record(sequence, _now, orderedCount: 0, unorderedCount: 0, receiptCount: 0, Packet, eliciting, _statistics, this);
        _sent.AcknowledgeHeader(sequence, uint.MaxValue, _now + 0.05, _statistics, _ordered, _unordered, this);
        return sequence;
    }

    void IReceiptSink.OnReceipt(uint receipt, bool delivered) { }
}
