namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// The sending half of a reliable channel: a window of 1024 message ids in flight, each resent on a timer
/// until a packet carrying it is acknowledged, and a byte-bounded backlog behind the window.
/// Resends never back off without bound, so a burst of 100% loss ends in recovery, not a stall.
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
        public bool InUse;
    }

    private readonly record struct Pending(byte[] Buffer, int Length, ushort FragmentIndex, ushort FragmentCount);

    private readonly Slot[] _slots = new Slot[Window];
    private readonly Queue<Pending> _backlog = new();
    private readonly ChannelKind _kind;
    private readonly MessageBufferPool _pool;
    private ushort _oldest;
    private ushort _next;
    private ushort _unsent;
    private long _backlogBytes;

    // The ids of sent messages in the order of their last send. Every send is stamped with the pass's time, so this is
    // the order of send times and, with one resend delay for all, of due times: the head comes due first, and a pass
    // looks at the due messages only, not at everything in flight. Each message in flight has exactly one entry once
    // sent; an acknowledged one's entry stays until it reaches the head or the ring is compacted.
    private readonly SendOrder _order = new();
    private int _dueCandidates;

    /// <summary>Bytes charged per queued fragment on top of its data, so tiny messages cannot hide their real cost.</summary>
    public const int PerMessageOverhead = 32;

    public ReliableSendChannel(ChannelKind kind, MessageBufferPool pool)
    {
        _kind = kind;
        _pool = pool;
    }

    public ChannelKind Kind => _kind;

    /// <summary>Messages queued or in flight and not yet acknowledged.</summary>
    public int Unacknowledged => (ushort)(_next - _oldest) + _backlog.Count;

    public long Resends { get; private set; }

    /// <summary>Queues a message, split into fragments of <paramref name="fragmentSize"/>; false when the backlog would pass its bound.</summary>
    public bool Enqueue(ReadOnlySpan<byte> message, int fragmentSize, long maxBacklogBytes)
    {
        int count = message.Length <= fragmentSize ? 1 : (message.Length + fragmentSize - 1) / fragmentSize;
        long cost = message.Length + (long)count * PerMessageOverhead;
        if (_backlogBytes + cost > maxBacklogBytes) return false;
        for (int i = 0; i < count; i++)
        {
            var part = count == 1 ? message : message.Slice(i * fragmentSize, Math.Min(fragmentSize, message.Length - i * fragmentSize));
            var buffer = _pool.Rent(part.Length);
            part.CopyTo(buffer);
            _backlog.Enqueue(new Pending(buffer, part.Length, (ushort)(count == 1 ? 0 : i), (ushort)(count == 1 ? 0 : count)));
        }
        _backlogBytes += cost;
        return true;
    }

    /// <summary>
    /// Moves backlog into the window and starts a sending pass over the messages sent before it (those that may come
    /// due, oldest send first) and then those never sent: an idle update costs nothing however full the window is.
    /// </summary>
    public void BeginSendPass(double now)
    {
        // _backlogBytes is above 0 exactly while the backlog holds a fragment (each costs at least PerMessageOverhead):
        // testing it rather than the queue keeps an idle channel's pass within this object (one cold cache line less
        // per channel and connection in every server tick).
        while (_backlogBytes > 0 && (ushort)(_next - _oldest) < Window)
        {
            var pending = _backlog.Dequeue();
            _backlogBytes -= pending.Length + PerMessageOverhead;
            ref var slot = ref _slots[_next % Window];
            slot.Buffer = pending.Buffer;
            slot.Length = pending.Length;
            slot.FragmentIndex = pending.FragmentIndex;
            slot.FragmentCount = pending.FragmentCount;
            slot.LastSent = double.NegativeInfinity;
            slot.InUse = true;
            _next++;
        }
        // Resent messages go to the back of the order; the pass stops before them, so none goes twice in one pass.
        _dueCandidates = _order.Count;
    }

    /// <summary>
    /// Writes due messages into <paramref name="destination"/> and records their ids in <paramref name="sentIds"/>;
    /// returns the bytes written. Resends come first (oldest send first), then messages never sent, in id order. Stops
    /// at the first message that does not fit, so the next packet continues there.
    /// </summary>
    public int WriteDue(Span<byte> destination, double now, double resendDelay, Span<ushort> sentIds, ref int sentCount)
    {
        int written = 0;
        while (_dueCandidates > 0 && sentCount < sentIds.Length)
        {
            ushort id = _order.Peek();
            ref var slot = ref _slots[id % Window];
            if (!IsInFlight(id))
            {
                _order.Pop();
                _dueCandidates--;
                continue;
            }
            if (now - slot.LastSent < resendDelay)
            {
                _dueCandidates = 0; // sent later than the head: none of the rest is due either
                break;
            }
            int n = MessageRecord.Write(destination[written..], _kind, id, slot.FragmentIndex, slot.FragmentCount, slot.Buffer.AsSpan(0, slot.Length));
            if (n == 0) return written;
            _order.Pop();
            _dueCandidates--;
            Resends++;
            slot.LastSent = now;
            written += n;
            sentIds[sentCount++] = id;
            Push(id);
        }
        while (_unsent != _next && sentCount < sentIds.Length)
        {
            ref var slot = ref _slots[_unsent % Window];
            if (slot.InUse)
            {
                int n = MessageRecord.Write(destination[written..], _kind, _unsent, slot.FragmentIndex, slot.FragmentCount, slot.Buffer.AsSpan(0, slot.Length));
                if (n == 0) return written;
                slot.LastSent = now;
                written += n;
                sentIds[sentCount++] = _unsent;
                Push(_unsent);
            }
            _unsent++;
        }
        return written;
    }

    public void Acknowledge(ushort id)
    {
        if ((ushort)(id - _oldest) >= (ushort)(_next - _oldest)) return;
        ref var slot = ref _slots[id % Window];
        if (!slot.InUse) return;
        Release(ref slot);
        while (_oldest != _next && !_slots[_oldest % Window].InUse) _oldest++;
        if (Sequence.Difference(_unsent, _oldest) < 0) _unsent = _oldest;
    }

    public void Clear()
    {
        for (int i = 0; i < Window; i++)
        {
            if (_slots[i].InUse) Release(ref _slots[i]);
        }
        while (_backlog.TryDequeue(out var pending)) _pool.Return(pending.Buffer);
        _backlogBytes = 0;
        _oldest = _next;
        _unsent = _next;
        _order.Clear();
        _dueCandidates = 0;
    }

    /// <summary>Whether <paramref name="id"/> is sent or queued in the window and not yet acknowledged.</summary>
    private bool IsInFlight(ushort id) => (ushort)(id - _oldest) < (ushort)(_next - _oldest) && _slots[id % Window].InUse;

    /// <summary>Appends <paramref name="id"/> to the send order, first dropping acknowledged entries when it is full.</summary>
    private void Push(ushort id)
    {
        if (_order.IsFull) _dueCandidates = _order.Compact(this, _dueCandidates);
        _order.Push(id);
    }

    private void Release(ref Slot slot)
    {
        _pool.Return(slot.Buffer!);
        slot.Buffer = null;
        slot.InUse = false;
    }

    /// <summary>
    /// A ring of message ids. Compacting drops the acknowledged; it grows (doubling, from 16) only when more than half
    /// stays, so it never passes 2 × <see cref="Window"/> entries (4 KiB) and compacts at most once per half its size
    /// of pushes: amortized constant work per send, nothing allocated once grown.
    /// </summary>
    private sealed class SendOrder
    {
        private ushort[] _ids = new ushort[16];
        private int _head;

        public int Count { get; private set; }

        public bool IsFull => Count == _ids.Length;

        public ushort Peek() => _ids[_head];

        public void Pop()
        {
            _head = (_head + 1) & (_ids.Length - 1);
            Count--;
        }

        public void Push(ushort id)
        {
            _ids[(_head + Count) & (_ids.Length - 1)] = id;
            Count++;
        }

        public void Clear()
        {
            _head = 0;
            Count = 0;
        }

        /// <summary>Drops entries no longer in flight, in place and in order; returns how many of the first <paramref name="front"/> stay.</summary>
        public int Compact(ReliableSendChannel channel, int front)
        {
            int mask = _ids.Length - 1;
            int kept = 0;
            int keptFront = 0;
            for (int i = 0; i < Count; i++)
            {
                ushort id = _ids[(_head + i) & mask];
                if (!channel.IsInFlight(id)) continue;
                _ids[(_head + kept) & mask] = id;
                kept++;
                if (i < front) keptFront++;
            }
            Count = kept;
            if (Count > _ids.Length / 2)
            {
                var grown = new ushort[_ids.Length * 2];
                for (int i = 0; i < Count; i++) grown[i] = _ids[(_head + i) & mask];
                _ids = grown;
                _head = 0;
            }
            return keptFront;
        }
    }
}
