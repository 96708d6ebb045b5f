using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// One send pass of a <see cref="ReliableSendChannel"/> in steady state, no loss: <see cref="PerTick"/> 32-byte messages
/// queued per 60 Hz tick, each acknowledged 12 ticks (200 ms) after it was sent, with a 250 ms resend delay, so about
/// 12 × <see cref="PerTick"/> messages are in flight and none comes due. The work that should be done is the new
/// messages; a pass that also walks everything in flight shows up as time growing with it.
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*ReliableResendBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ReliableResendBenchmarks
{
    private const int RoundTripTicks = 12;
    private const double Tick = 1.0 / 60;
    private const double ResendDelay = 0.25;
    private static readonly byte[] Message = new byte[32];
    private readonly byte[] _packet = new byte[1200];
    private readonly ushort[] _sentIds = new ushort[64];
    private ReliableSendChannel _channel = null!;
    private ushort[][] _sentAt = null!;
    private int[] _sentCount = null!;
    private long _tick;

    /// <summary>Messages queued per tick.</summary>
    [Params(4, 64)]
    public int PerTick { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool());
        _sentAt = new ushort[RoundTripTicks][];
        for (int i = 0; i < RoundTripTicks; i++) _sentAt[i] = new ushort[PerTick];
        _sentCount = new int[RoundTripTicks];
        for (int i = 0; i < 10 * RoundTripTicks; i++) SendTick();
    }

    /// <summary>Acknowledges what was sent a round trip ago, queues this tick's messages and sends them.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public int SendTick()
    {
        int slot = (int)(_tick % RoundTripTicks);
        for (int i = 0; i < _sentCount[slot]; i++) _channel.Acknowledge(_sentAt[slot][i]);
        _sentCount[slot] = 0;
        for (int i = 0; i < PerTick; i++) _channel.Enqueue(Message, 1100, 1 << 20);
        double now = _tick++ * Tick;
        _channel.BeginSendPass(now);
        int total = 0;
        while (true)
        {
            int count = 0;
            _channel.WriteDue(_packet, now, ResendDelay, _sentIds, ref count);
            if (count == 0) break;
            for (int i = 0; i < count && _sentCount[slot] < PerTick; i++) _sentAt[slot][_sentCount[slot]++] = _sentIds[i];
            total += count;
        }
        return total;
    }
}
