using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// The sending half of a reliable channel: a window of 1024 message ids in flight, each resent on a timer
/// until a packet carrying it is acknowledged, and a byte-bounded backlog behind the window.
/// A message whose packet was declared lost is due at once; the connection's congestion window decides whether a pass
/// writes at all, and the resend delay it passes backs off while nothing is acknowledged (docs/TRANSPORT.md).
/// What it holds is counted as the memory it takes (<see cref="QueuedBytes"/>), from the message's queueing to its
/// acknowledgement, so the connection can bound both channels together before it queues more (attack review 17).
/// </summary>
internal sealed class ReliableSendChannel
{
    public const int Window = 1024;

    private struct Slot
    {
        public byte[]? Buffer;
        public int Length;
        public ushort FragmentIndex;
        public ushort FragmentCount;
        public double LastSent;
        public double FirstSent;
        public bool InUse;

        /// <summary>The packet that last carried it was declared lost: due now, whatever the resend delay.</summary>
        public bool Lost;
    }

    private readonly record struct Pending(byte[] Buffer, int Length, ushort FragmentIndex, ushort FragmentCount);

    private readonly Slot[] _slots = new Slot[Window];
    private readonly Queue<Pending> _backlog = new();
    private readonly ChannelKind _kind;
    private readonly MessageBufferPool _pool;
    private ushort _oldest;
    private ushort _next;
    private ushort _scan;
    private ushort _unsent;
    private bool _passStarting;
    private bool _fullScan;
    private double _passEarliest;

    // No message in flight was last sent before this (it may be earlier than the true earliest, after acks: that costs
    // one rescan, never a late resend). Whether a resend is due is decided against the resend delay of the pass that
    // asks, not the one of the last full pass: a delay that shrinks must bring resends forward.
    private double _earliestSent = double.PositiveInfinity;
    private long _backlogBytes;

    /// <summary>The most the backlog held since it was last empty; a backlog that grew large gives its room back when it drains.</summary>
    private int _backlogPeak;

    /// <summary>Above this many entries a drained backlog's queue is trimmed, so a burst's room is not kept for good.</summary>
    private const int BacklogKeptEntries = 1024;

    /// <summary>
    /// Bytes charged per fragment on top of its buffer: the buffer's array header (24), its backlog entry (16) and the
    /// room the backlog's queue grows by (up to as much again), so tiny messages cannot hide their real cost.
    /// </summary>
    public const int PerMessageOverhead = 64;

    /// <summary>
    /// What a message of <paramref name="length"/> bytes costs while queued or in flight: each fragment's pooled buffer
    /// (<see cref="MessageBufferPool.ClassSize"/>: a full fragment takes exactly <paramref name="fragmentSize"/>) and
    /// <see cref="PerMessageOverhead"/>.
    /// </summary>
    public static long Cost(int length, int fragmentSize)
    {
        if (length <= fragmentSize) return MessageBufferPool.ClassSize(length, fragmentSize) + PerMessageOverhead;
        int full = length / fragmentSize;
        int last = length - full * fragmentSize;
        long cost = full * (long)(MessageBufferPool.ClassSize(fragmentSize, fragmentSize) + PerMessageOverhead);
        return last == 0 ? cost : cost + MessageBufferPool.ClassSize(last, fragmentSize) + PerMessageOverhead;
    }

    /// <summary>
    /// Memory held by messages queued or in flight and not yet acknowledged (<see cref="Cost"/> of each), which the
    /// connection bounds with <see cref="NetPeerOptions.MaxSendQueueBytes"/> over both reliable channels.
    /// </summary>
    public long QueuedBytes { get; private set; }

    public ReliableSendChannel(ChannelKind kind, MessageBufferPool pool)
    {
        _kind = kind;
        _pool = pool;
    }

    public ChannelKind Kind => _kind;

    /// <summary>Messages queued or in flight and not yet acknowledged.</summary>
    public int Unacknowledged => (ushort)(_next - _oldest) + _backlog.Count;

    public long Resends { get; private set; }

    /// <summary>
    /// When the oldest message in flight was first sent (+∞ when none has been sent and not acknowledged): first sends
    /// go in id order, so no message in flight has waited longer for its acknowledgement.
    /// </summary>
    public double OldestUnacknowledgedSince
    {
        get
        {
            if (_oldest == _next) return double.PositiveInfinity;
            ref var slot = ref _slots[_oldest % Window];
            return slot.InUse ? slot.FirstSent : double.PositiveInfinity;
        }
    }

    /// <summary>
    /// Queues a message, split into fragments of <paramref name="fragmentSize"/>; the caller checked its
    /// <see cref="Cost"/> against the connection's bound.
    /// </summary>
    public void Enqueue(ReadOnlySpan<byte> message, int fragmentSize)
    {
        int count = message.Length <= fragmentSize ? 1 : (message.Length + fragmentSize - 1) / fragmentSize;
        for (int i = 0; i < count; i++)
        {
            var part = count == 1 ? message : message.Slice(i * fragmentSize, Math.Min(fragmentSize, message.Length - i * fragmentSize));
            var buffer = _pool.Rent(part.Length);
            part.CopyTo(buffer);
            _backlog.Enqueue(new Pending(buffer, part.Length, (ushort)(count == 1 ? 0 : i), (ushort)(count == 1 ? 0 : count)));
            _backlogBytes += buffer.Length + PerMessageOverhead;
            QueuedBytes += buffer.Length + PerMessageOverhead;
        }
        _backlogPeak = Math.Max(_backlogPeak, _backlog.Count);
    }

    /// <summary>
    /// Moves backlog into the window and starts a sending pass: from the oldest message when a resend may be due,
    /// otherwise only over messages never sent, so an idle update costs nothing however full the window is.
    /// </summary>
    public void BeginSendPass(double now)
    {
        // _backlogBytes is above 0 exactly while the backlog holds a fragment (each costs at least PerMessageOverhead):
        // testing it rather than the queue keeps an idle channel's pass within this object (one cold cache line less
        // per channel and connection in every server tick).
        while (_backlogBytes > 0 && (ushort)(_next - _oldest) < Window)
        {
            var pending = _backlog.Dequeue();
            _backlogBytes -= pending.Buffer.Length + PerMessageOverhead;
            ref var slot = ref _slots[_next % Window];
            slot.Buffer = pending.Buffer;
            slot.Length = pending.Length;
            slot.FragmentIndex = pending.FragmentIndex;
            slot.FragmentCount = pending.FragmentCount;
            slot.LastSent = double.NegativeInfinity;
            slot.FirstSent = double.PositiveInfinity;
            slot.InUse = true;
            slot.Lost = false;
            _next++;
        }
        if (_backlogBytes == 0 && _backlogPeak > BacklogKeptEntries)
        {
            // A burst grew the queue's array; an honest backlog stays below the kept size and never reaches this.
            _backlog.TrimExcess();
            _backlogPeak = 0;
        }
        // The scan starts at the first WriteDue, which brings this pass's resend delay.
        _passStarting = true;
    }

    /// <summary>
    /// Writes due messages into <paramref name="destination"/> and records their ids in <paramref name="sentIds"/>;
    /// returns the bytes written. Stops at the first message that does not fit, so the next packet continues there.
    /// </summary>
    public int WriteDue(Span<byte> destination, double now, double resendDelay, Span<ushort> sentIds, ref int sentCount)
    {
        if (_passStarting)
        {
            _passStarting = false;
            _fullScan = now - _earliestSent >= resendDelay;
            _scan = _fullScan ? _oldest : _unsent;
            _passEarliest = double.PositiveInfinity;
        }
        int written = 0;
        while (_scan != _next && sentCount < sentIds.Length)
        {
            ref var slot = ref _slots[_scan % Window];
            if (slot.InUse && (slot.Lost || now - slot.LastSent >= resendDelay))
            {
                int n = MessageRecord.Write(destination[written..], _kind, _scan, slot.FragmentIndex, slot.FragmentCount, slot.Buffer.AsSpan(0, slot.Length));
                if (n == 0) return written;
                if (!double.IsNegativeInfinity(slot.LastSent))
                {
                    Resends++;
                    NetMetrics.Resends.Add(1);
                }
                else slot.FirstSent = now;
                slot.LastSent = now;
                slot.Lost = false;
                written += n;
                sentIds[sentCount++] = _scan;
                if (_scan == _unsent) _unsent++;
                _earliestSent = Math.Min(_earliestSent, now);
            }
            if (slot.InUse) _passEarliest = Math.Min(_passEarliest, slot.LastSent);
            _scan++;
        }
        // A full pass that saw every message in flight knows the earliest last send (none, for an empty window, until
        // something is sent: each send pulls it in). One cut short keeps the old, earlier value: the next pass rescans.
        if (_scan == _next && _fullScan) _earliestSent = _passEarliest;
        return written;
    }

    /// <summary>Messages acknowledged so far (each once): its growth is the peer's progress.</summary>
    public long Acknowledged { get; private set; }

    /// <summary>
    /// The packet sent at <paramref name="packetSentAt"/> that carried message <paramref name="id"/> was declared lost:
    /// the message is due at the next pass, unless a later packet already carried it again.
    /// </summary>
    public void MarkLost(ushort id, double packetSentAt)
    {
        if ((ushort)(id - _oldest) >= (ushort)(_next - _oldest)) return;
        ref var slot = ref _slots[id % Window];
        if (!slot.InUse || slot.LastSent > packetSentAt) return;
        slot.Lost = true;
        // Lost messages lie before the unsent ones: the next pass must scan from the oldest.
        _earliestSent = double.NegativeInfinity;
    }

    public void Acknowledge(ushort id)
    {
        if ((ushort)(id - _oldest) >= (ushort)(_next - _oldest)) return;
        ref var slot = ref _slots[id % Window];
        if (!slot.InUse) return;
        Acknowledged++;
        Release(ref slot);
        while (_oldest != _next && !_slots[_oldest % Window].InUse) _oldest++;
        if (Sequence.Difference(_scan, _oldest) < 0) _scan = _oldest;
        if (Sequence.Difference(_unsent, _oldest) < 0) _unsent = _oldest;
    }

    public void Clear()
    {
        for (int i = 0; i < Window; i++)
        {
            if (_slots[i].InUse) Release(ref _slots[i]);
        }
        while (_backlog.TryDequeue(out var pending))
        {
            QueuedBytes -= pending.Buffer.Length + PerMessageOverhead;
            _pool.Return(pending.Buffer);
        }
        _backlogBytes = 0;
        _oldest = _next;
        _unsent = _next;
    }

    private void Release(ref Slot slot)
    {
        QueuedBytes -= slot.Buffer!.Length + PerMessageOverhead;
        _pool.Return(slot.Buffer);
        slot.Buffer = null;
        slot.InUse = false;
    }
}
