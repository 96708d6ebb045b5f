using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Bench.Diagnostics;

/// <summary>
/// One sending pass of a reliable channel (<see cref="ReliableSendChannel.BeginSendPass"/> and
/// <see cref="ReliableSendChannel.WriteDue"/>) with <see cref="InFlight"/> messages sent and unacknowledged, of which
/// exactly one is due: its packet was declared lost (<see cref="Due.Lost"/>) or its resend timer ran out
/// (<see cref="Due.Timer"/>). A pass that costs O(due) takes the same time at every <see cref="InFlight"/>.
/// </summary>
[MemoryDiagnoser]
public class ResendPassBenchmarks
{
    /// <summary>Why the one message is due.</summary>
    public enum Due
    {
        /// <summary>The packet that carried it was declared lost.</summary>
        Lost,

        /// <summary>Its last send is a resend delay old; every other message was sent later.</summary>
        Timer,
    }

    private const double ResendDelay = 0.2;
    private readonly byte[] _packet = new byte[1200];
    private readonly ushort[] _sentIds = new ushort[64];
    private ReliableSendChannel _channel = null!;
    private double _now;
    private ushort _dueId;

    /// <summary>Messages in flight (the channel's window holds at most <see cref="ReliableSendChannel.Window"/>).</summary>
    [Params(10, 100, 1000)]
    public int InFlight { get; set; }

    /// <summary>Why the one message is due.</summary>
    [Params(Due.Lost, Due.Timer)]
    public Due Reason { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, new MessageBufferPool(1_159));
        var message = new byte[16];
        // Every message but the newest leaves far in the future of the benchmark's clock; the newest leaves at 0, and
        // only it ever comes due.
        for (int i = 1; i < InFlight; i++) _channel.Enqueue(message, 1_100);
        Send(1e12);
        _channel.Enqueue(message, 1_100);
        Send(0);
        _dueId = (ushort)(InFlight - 1);
        _now = 0;
    }

    [Benchmark]
    public int Pass()
    {
        if (Reason == Due.Lost)
        {
            _now += 1e-6; // within the resend delay: only the loss makes it due
            _channel.MarkLost(_dueId, _now);
        }
        else _now += 2 * ResendDelay; // twice, so that rounding never leaves it a hair short of due
        int sent = Send(_now);
        if (sent != 1) throw new InvalidOperationException($"{sent} messages written, 1 due");
        return sent;
    }

    /// <summary>A pass as the connection makes it: packets until nothing due is left.</summary>
    private int Send(double now)
    {
        int total = 0;
        _channel.BeginSendPass(now);
        while (true)
        {
            int sent = 0;
            if (_channel.WriteDue(_packet, now, ResendDelay, _sentIds, ref sent) == 0) return total;
            total += sent;
        }
    }
}
