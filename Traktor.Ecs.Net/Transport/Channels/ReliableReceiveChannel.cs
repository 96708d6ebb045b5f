namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// The receiving half of a reliable channel: accepts ids in [base, base + 1024), drops everything older
/// (already delivered), stores early arrivals and fragments in pooled buffers, and delivers each message once:
/// in id order for ReliableOrdered, on completion for ReliableUnordered.
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
    }

    private readonly Slot[] _slots = new Slot[Window];
    private readonly bool _ordered;
    private readonly ChannelKind _kind;
    private readonly int _maxMessageSize;
    private readonly MessageBufferPool _pool;
    private ushort _base;

    public ReliableReceiveChannel(ChannelKind kind, int maxMessageSize, MessageBufferPool pool)
    {
        _pool = pool;
        _kind = kind;
        _ordered = kind == ChannelKind.ReliableOrdered;
        _maxMessageSize = maxMessageSize;
    }

    /// <summary>Handles one record; false when it violates the protocol (the packet is then dropped).</summary>
    public bool Receive(in MessageRecord record, EventQueue events, ConnectionId connection, ulong clientId)
    {
        int ahead = (ushort)(record.Id - _base);
        if (ahead >= Window) return true; // old duplicate, or beyond what a correct sender can have in flight
        ref var slot = ref _slots[record.Id % Window];
        if (slot.State != State.Empty) return true; // duplicate

        if (record.IsFragment)
        {
            if (record.FragmentIndex > ahead || ahead - record.FragmentIndex + record.FragmentCount > Window) return false;
        }
        else if (_ordered ? ahead == 0 : true)
        {
            // Fast path: deliverable now, no copy into a slot.
            events.AddMessage(connection, clientId, _kind, record.Data);
            slot.State = State.Delivered;
            Advance();
            return !_ordered || DeliverReady(events, connection, clientId);
        }

        slot.Buffer = _pool.Rent(record.Data.Length);
        record.Data.CopyTo(slot.Buffer);
        slot.Length = record.Data.Length;
        slot.FragmentIndex = record.FragmentIndex;
        slot.FragmentCount = record.FragmentCount;
        slot.State = State.Stored;

        if (_ordered) return DeliverReady(events, connection, clientId);
        if (record.IsFragment) return TryDeliverGroup((ushort)(record.Id - record.FragmentIndex), record.FragmentCount, events, connection, clientId);
        return true;
    }

    /// <summary>Delivers from the base on; false when a stored fragment group is inconsistent.</summary>
    private bool DeliverReady(EventQueue events, ConnectionId connection, ulong clientId)
    {
        while (true)
        {
            ref var slot = ref _slots[_base % Window];
            if (slot.State != State.Stored) return true;
            if (slot.FragmentCount == 0)
            {
                events.AddMessage(connection, clientId, _kind, slot.Buffer.AsSpan(0, slot.Length));
                Release(ref slot);
                slot.State = State.Delivered;
                Advance();
                continue;
            }
            if (slot.FragmentIndex != 0) return false;
            ushort before = _base;
            if (!TryDeliverGroup(_base, slot.FragmentCount, events, connection, clientId)) return false;
            if (before == _base) return true; // group incomplete: wait for the missing fragments
        }
    }

    /// <summary>Delivers fragments [first, first + count) when all are stored with consistent headers.</summary>
    private bool TryDeliverGroup(ushort first, ushort count, EventQueue events, ConnectionId connection, ulong clientId)
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
        var destination = events.ReserveMessage(connection, clientId, _kind, (int)total);
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
        if (slot.Buffer is not null) _pool.Return(slot.Buffer);
        slot.Buffer = null;
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
