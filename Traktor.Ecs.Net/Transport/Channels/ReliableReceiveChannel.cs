namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// The receiving half of a reliable channel: accepts ids in [base, base + 1024), drops everything older
/// (already delivered), stores early arrivals and fragments in pooled buffers, and delivers each message once:
/// in id order for ReliableOrdered, on completion for ReliableUnordered. Delivery goes through the connection's
/// budgets; what they refuse waits in the window (bounded by it) for a later update.
/// </summary>
internal sealed class ReliableReceiveChannel
{
    public const int Window = ReliableSendChannel.Window;

    private enum State : byte { Empty, Stored, Delivered }

    private struct Slot
    {
        public byte[]? Buffer;
        public int Length;
        public ushort FragmentIndex;
        public ushort FragmentCount;
        public State State;

        /// <summary>When the record was stored (the connection's clock).</summary>
        public double StoredAt;
    }

    private readonly Slot[] _slots = new Slot[Window];
    private readonly bool _ordered;
    private readonly ChannelKind _kind;
    private readonly int _maxMessageSize;
    private readonly MessageBufferPool _pool;
    private ushort _base;

    /// <summary>Slots holding a buffer (stored, not yet delivered): when 0, nothing waits and there is nothing to check.</summary>
    private int _stored;

    /// <summary>Unordered only: a complete message waits for a budget (ordered ones always wait at the base).</summary>
    private bool _deferred;

    public ReliableReceiveChannel(ChannelKind kind, int maxMessageSize, MessageBufferPool pool)
    {
        _pool = pool;
        _kind = kind;
        _ordered = kind == ChannelKind.ReliableOrdered;
        _maxMessageSize = maxMessageSize;
    }

    /// <summary>
    /// True when <paramref name="id"/> lies ahead of the window. A correct sender only gets there when acknowledged
    /// messages still wait here for a budget, so the packet carrying it must be refused unacknowledged (and is
    /// resent later), never acknowledged and dropped. Ids behind the window are old duplicates.
    /// </summary>
    public bool IsBeyondWindow(ushort id)
    {
        int ahead = (ushort)(id - _base);
        return ahead >= Window && ahead < 32768;
    }

    /// <summary>
    /// Handles one record; false when it violates the protocol. A message the budgets refuse now is stored and
    /// delivered by <see cref="DeliverDeferred"/> in a later update: it was acknowledged, so it is never dropped.
    /// </summary>
    public bool Receive(in MessageRecord record, ConnectionBudget delivery, double now)
    {
        int ahead = (ushort)(record.Id - _base);
        if (ahead >= Window) return true; // old duplicate (a packet beyond the window was refused by IsBeyondWindow)
        ref var slot = ref _slots[record.Id % Window];
        if (slot.State != State.Empty) return true; // duplicate

        bool deliverable = false;
        if (record.IsFragment)
        {
            if (record.FragmentIndex > ahead || ahead - record.FragmentIndex + record.FragmentCount > Window) return false;
        }
        else if (!_ordered || ahead == 0)
        {
            // Fast path: deliverable now, no copy into a slot.
            if (delivery.TryDeliver(_kind, record.Data))
            {
                slot.State = State.Delivered;
                Advance();
                return !_ordered || DeliverReady(delivery);
            }
            deliverable = true;
        }

        slot.Buffer = _pool.Rent(record.Data.Length);
        _stored++;
        slot.StoredAt = now;
        record.Data.CopyTo(slot.Buffer);
        slot.Length = record.Data.Length;
        slot.FragmentIndex = record.FragmentIndex;
        slot.FragmentCount = record.FragmentCount;
        slot.State = State.Stored;

        if (_ordered) return DeliverReady(delivery);
        if (deliverable) _deferred = true;
        if (record.IsFragment) return TryDeliverGroup((ushort)(record.Id - record.FragmentIndex), record.FragmentCount, delivery);
        return true;
    }

    /// <summary>Delivers, at the start of an update, what earlier updates' budgets held back; false on an inconsistent group.</summary>
    public bool DeliverDeferred(ConnectionBudget delivery)
    {
        if (_ordered) return DeliverReady(delivery);
        if (!_deferred) return true;
        _deferred = false;
        ushort start = _base;
        for (int i = 0; i < Window; i++)
        {
            ushort id = (ushort)(start + i);
            ref var slot = ref _slots[id % Window];
            if (slot.State != State.Stored) continue;
            if (slot.FragmentCount == 0)
            {
                if (!delivery.TryDeliver(_kind, slot.Buffer.AsSpan(0, slot.Length)))
                {
                    _deferred = true;
                    return true;
                }
                Release(ref slot);
                slot.State = State.Delivered;
            }
            else if (slot.FragmentIndex == 0)
            {
                if (!TryDeliverGroup(id, slot.FragmentCount, delivery)) return false;
                if (_deferred) return true;
            }
        }
        Advance();
        return true;
    }

    /// <summary>Delivers from the base on while the budgets allow; false when a stored fragment group is inconsistent.</summary>
    private bool DeliverReady(ConnectionBudget delivery)
    {
        while (true)
        {
            ref var slot = ref _slots[_base % Window];
            if (slot.State != State.Stored) return true;
            if (slot.FragmentCount == 0)
            {
                if (!delivery.TryDeliver(_kind, slot.Buffer.AsSpan(0, slot.Length))) return true; // next update
                Release(ref slot);
                slot.State = State.Delivered;
                Advance();
                continue;
            }
            if (slot.FragmentIndex != 0) return false;
            ushort before = _base;
            if (!TryDeliverGroup(_base, slot.FragmentCount, delivery)) return false;
            if (before == _base) return true; // group incomplete, or held back by the budgets
        }
    }

    /// <summary>
    /// Delivers fragments [first, first + count) when all are stored with consistent headers and the budgets allow
    /// (otherwise they stay stored and the group is retried later).
    /// </summary>
    private bool TryDeliverGroup(ushort first, ushort count, ConnectionBudget delivery)
    {
        if ((ushort)(first - _base) >= Window) return true;
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            ref var part = ref _slots[(ushort)(first + i) % Window];
            if (part.State != State.Stored) return true;
            if (part.FragmentIndex != i || part.FragmentCount != count) return false;
            total += part.Length;
        }
        if (total > _maxMessageSize) return false;
        if (!delivery.TryReserve(_kind, (int)total, out var destination))
        {
            _deferred = true;
            return true;
        }
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            ref var part = ref _slots[(ushort)(first + i) % Window];
            part.Buffer.AsSpan(0, part.Length).CopyTo(destination[at..]);
            at += part.Length;
            Release(ref part);
            part.State = State.Delivered;
        }
        Advance();
        return true;
    }

    private void Advance()
    {
        while (_slots[_base % Window].State == State.Delivered)
        {
            _slots[_base % Window].State = State.Empty;
            _base++;
        }
    }

    private void Release(ref Slot slot)
    {
        if (slot.Buffer is null) return;
        _pool.Return(slot.Buffer);
        slot.Buffer = null;
        _stored--;
    }

    /// <summary>
    /// When the oldest record still held here arrived, if the window's base id is missing (never received) while later
    /// ids wait in the window; +infinity otherwise. Every id before a stored one was sent before it, so the base id has
    /// been missing at least since then: a sender resends a lost message within its retransmission timeout (and the
    /// packets carrying the later ids were acknowledged, which keeps that timeout short), so an honest peer never leaves
    /// the base missing for a connection's timeout. A peer that does (every fragment of a group but one) keeps up to
    /// 1,023 records here (docs/PROTOCOL.md §9.1) for as long as it likes: the connection cuts it (attack review 27).
    /// Scans the window, so the connection calls it at most once a second.
    /// </summary>
    public double WaitingOnMissingSince()
    {
        if (_stored == 0 || _slots[_base % Window].State != State.Empty) return double.PositiveInfinity;
        double oldest = double.PositiveInfinity;
        for (int i = 0; i < Window; i++)
        {
            if (_slots[i].Buffer is not null) oldest = Math.Min(oldest, _slots[i].StoredAt);
        }

        return oldest;
    }

    public void Clear()
    {
        for (int i = 0; i < Window; i++)
        {
            Release(ref _slots[i]);
            _slots[i].State = State.Empty;
        }
    }
}
