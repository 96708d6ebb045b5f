using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// The sending half of a reliable channel: a window of 1024 message ids in flight, each resent on a timer
/// until a packet carrying it is acknowledged, and a byte-bounded backlog behind the window.
/// A message whose packet was declared lost is due at once; the connection's congestion window decides whether a pass
/// writes at all, and the resend delay it passes backs off while nothing is acknowledged (docs/TRANSPORT.md).
/// A pass costs O(due · log in flight), not O(in flight): the messages sent and unacknowledged wait in a heap ordered by
/// when they are due (a lost one first), so a pass takes off its top the due ones and sorts only those into id order;
/// a pass that looks at every message in flight whenever any resend is due costs 3.6 µs at 1,000 for one due
/// (docs/benchmarks.md "Resend pass").
/// What it holds is counted as the memory it takes (<see cref="QueuedBytes"/>), from the message's queueing to its
/// acknowledgement, so the connection can bound both channels together before it queues more (SECURITY.md, attack review 17).
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

        /// <summary>The message's id (the slot is its id modulo the window).</summary>
        public ushort Id;

        /// <summary>Its place in <see cref="_waiting"/> plus one; 0 while it is not there (never sent, or taken out as due).</summary>
        public int WaitingAt;
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

    // Messages sent and unacknowledged, not yet due at the last pass: a binary min-heap of slots by the time they were
    // last sent (a lost one first). Whether one is due is decided against the resend delay of the pass that asks: a
    // delay that shrinks brings resends forward.
    private readonly ushort[] _waiting = new ushort[Window];
    private int _waitingCount;

    // The pass's due messages, as offsets from _dueBase (the oldest id at the pass's start), in id order: the oldest
    // unacknowledged message is the one an ordered receiver waits for. Those a pass cut short did not reach go back to
    // the heap at the next pass, which decides again.
    private readonly ushort[] _due = new ushort[Window];
    private int _dueCount;
    private int _dueNext;
    private ushort _dueBase;
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

    /// <summary>Messages the sending passes looked at (for tests: a pass costs its due and never-sent messages, not every one in flight).</summary>
    internal long Examined { get; private set; }

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
            slot.Id = _next;
            slot.WaitingAt = 0;
            _next++;
        }
        if (_backlogBytes == 0 && _backlogPeak > BacklogKeptEntries)
        {
            // A burst grew the queue's array; an honest backlog stays below the kept size and never reaches this.
            _backlog.TrimExcess();
            _backlogPeak = 0;
        }
        // The pass's due messages are chosen at the first WriteDue, which brings this pass's resend delay.
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
            TakeDue(now, resendDelay);
        }
        int written = 0;
        while (sentCount < sentIds.Length)
        {
            // The due messages first (all older than any never sent), then those never sent, in id order.
            bool resend = _dueNext < _dueCount;
            if (!resend && _scan == _next) break;
            Examined++;
            ushort id = resend ? (ushort)(_dueBase + _due[_dueNext]) : _scan;
            ref var slot = ref _slots[id % Window];
            bool inFlight = slot.InUse && slot.Id == id && (ushort)(id - _oldest) < (ushort)(_next - _oldest);
            if (resend)
            {
                if (!inFlight)
                {
                    _dueNext++;
                    continue;
                }
                if (!slot.Lost && now - slot.LastSent < resendDelay)
                {
                    // A later call of the pass brought a longer delay: not due after all.
                    Wait(id % Window);
                    _dueNext++;
                    continue;
                }
            }
            else if (!inFlight || !double.IsNegativeInfinity(slot.LastSent))
            {
                // Acknowledged before it was ever sent (a peer may), or sent already: it waits in the heap.
                if (_scan == _unsent) _unsent++;
                _scan++;
                continue;
            }
            int n = MessageRecord.Write(destination[written..], _kind, id, slot.FragmentIndex, slot.FragmentCount, slot.Buffer.AsSpan(0, slot.Length));
            if (n == 0) return written;
            if (resend)
            {
                Resends++;
                NetMetrics.Resends.Add(1);
                _dueNext++;
            }
            else
            {
                slot.FirstSent = now;
                if (_scan == _unsent) _unsent++;
                _scan++;
            }
            slot.LastSent = now;
            slot.Lost = false;
            written += n;
            sentIds[sentCount++] = id;
            Wait(id % Window);
        }
        return written;
    }

    /// <summary>
    /// Chooses the pass's due messages: those a cut-short pass left go back to the heap, then every message due under
    /// <paramref name="resendDelay"/> comes off its top, sorted into id order. O(due · log in flight).
    /// </summary>
    private void TakeDue(double now, double resendDelay)
    {
        for (int i = _dueNext; i < _dueCount; i++)
        {
            ushort id = (ushort)(_dueBase + _due[i]);
            ref var slot = ref _slots[id % Window];
            if (slot.InUse && slot.Id == id && slot.WaitingAt == 0 && (ushort)(id - _oldest) < (ushort)(_next - _oldest)) Wait(id % Window);
        }
        _dueCount = 0;
        _dueNext = 0;
        _dueBase = _oldest;
        while (_waitingCount > 0)
        {
            int top = _waiting[0];
            ref var slot = ref _slots[top];
            if (!slot.Lost && now - slot.LastSent < resendDelay) break;
            StopWaiting(top);
            _due[_dueCount++] = (ushort)(slot.Id - _dueBase);
        }
        if (_dueCount > 1) _due.AsSpan(0, _dueCount).Sort();
        _scan = _unsent;
    }

    /// <summary>When the message in <paramref name="slot"/> is due: a lost one at once, otherwise by its last send.</summary>
    private double DueKey(int slot)
    {
        ref var s = ref _slots[slot];
        return s.Lost ? double.NegativeInfinity : s.LastSent;
    }

    /// <summary>Puts a message just sent (or found not due) into the heap.</summary>
    private void Wait(int slot) => SiftUp(slot, _waitingCount++);

    private void StopWaiting(int slot)
    {
        int at = _slots[slot].WaitingAt - 1;
        _slots[slot].WaitingAt = 0;
        int last = _waiting[--_waitingCount];
        if (at == _waitingCount) return;
        if (at > 0 && DueKey(last) < DueKey(_waiting[(at - 1) >> 1])) SiftUp(last, at);
        else SiftDown(last, at);
    }

    private void SiftUp(int slot, int at)
    {
        double key = DueKey(slot);
        while (at > 0)
        {
            int parentAt = (at - 1) >> 1;
            int parent = _waiting[parentAt];
            if (DueKey(parent) <= key) break;
            Place(parent, at);
            at = parentAt;
        }
        Place(slot, at);
    }

    private void SiftDown(int slot, int at)
    {
        double key = DueKey(slot);
        while (true)
        {
            int childAt = 2 * at + 1;
            if (childAt >= _waitingCount) break;
            if (childAt + 1 < _waitingCount && DueKey(_waiting[childAt + 1]) < DueKey(_waiting[childAt])) childAt++;
            int child = _waiting[childAt];
            if (key <= DueKey(child)) break;
            Place(child, at);
            at = childAt;
        }
        Place(slot, at);
    }

    private void Place(int slot, int at)
    {
        _waiting[at] = (ushort)slot;
        _slots[slot].WaitingAt = at + 1;
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
        // Due now: to the heap's top (a message taken out as due, or never sent, is not in it).
        if (slot.WaitingAt != 0) SiftUp(id % Window, slot.WaitingAt - 1);
    }

    public void Acknowledge(ushort id)
    {
        if ((ushort)(id - _oldest) >= (ushort)(_next - _oldest)) return;
        ref var slot = ref _slots[id % Window];
        if (!slot.InUse) return;
        Acknowledged++;
        if (slot.WaitingAt != 0) StopWaiting(id % Window);
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
        _waitingCount = 0;
        _dueCount = 0;
        _dueNext = 0;
    }

    private void Release(ref Slot slot)
    {
        QueuedBytes -= slot.Buffer!.Length + PerMessageOverhead;
        _pool.Return(slot.Buffer);
        slot.Buffer = null;
        slot.InUse = false;
        slot.WaitingAt = 0;
    }
}
