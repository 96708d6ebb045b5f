namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Reassembles fragmented unreliable and sequenced messages in a few bounded slots. Every fragment's index,
/// count and size are checked before it is copied into a pooled buffer of its own, so memory follows what arrived,
/// never what a fragment claims is coming. At most <see cref="SlotCount"/> groups and
/// <see cref="MaxStoredFragments"/> fragments are held; an incomplete group is evicted when stale or when a newer
/// one needs the room (unreliable data may be lost, so eviction loses nothing that was promised).
/// </summary>
internal sealed class FragmentReassembler
{
    private const int SlotCount = 4;
    private const double StaleSeconds = 2.0;

    private sealed class Slot
    {
        public bool Active;
        public ChannelKind Channel;
        public ushort Group;
        public ushort Count;
        public int Received;
        public double StartedAt;
        public byte[]?[] Parts = [];
        public int[] Lengths = [];
    }

    private readonly Slot[] _slots = new Slot[SlotCount];
    private readonly MessageBufferPool _pool;
    private readonly int _maxRecordData;
    private readonly int _maxFragments;
    private readonly int _maxMessageSize;
    private int _stored;

    public FragmentReassembler(MessageBufferPool pool, int maxRecordData, int maxFragments, int maxMessageSize)
    {
        _pool = pool;
        _maxRecordData = maxRecordData;
        _maxFragments = maxFragments;
        _maxMessageSize = maxMessageSize;
        for (int i = 0; i < SlotCount; i++) _slots[i] = new Slot { Parts = new byte[]?[maxFragments], Lengths = new int[maxFragments] };
    }

    /// <summary>Most fragments held at once: one largest message, plus one more group's worth of its first fragments.</summary>
    public int MaxStoredFragments => _maxFragments + _maxFragments / 2;

    /// <summary>
    /// Stores a fragment; when it completes its message, delivers the message within the connection's budgets
    /// (a refused one is dropped and counted, as unreliable data may be) and returns true.
    /// </summary>
    public bool Add(in MessageRecord record, double now, ConnectionBudget delivery)
    {
        if (record.Data.Length > _maxRecordData || record.FragmentCount > _maxFragments) return false;
        var slot = Find(record.Channel, record.Id, record.FragmentCount, now, delivery);
        if (slot is null) return false; // a new group beyond this update's budget
        if (slot.Lengths[record.FragmentIndex] >= 0) return false; // duplicate
        while (_stored >= MaxStoredFragments && EvictOldest(except: slot)) { }
        if (_stored >= MaxStoredFragments) return false; // this group alone holds the most allowed
        var part = _pool.Rent(record.Data.Length);
        record.Data.CopyTo(part);
        slot.Parts[record.FragmentIndex] = part;
        slot.Lengths[record.FragmentIndex] = record.Data.Length;
        _stored++;
        if (++slot.Received < slot.Count) return false;

        long total = 0;
        for (int i = 0; i < slot.Count; i++) total += slot.Lengths[i];
        Span<byte> destination = default;
        bool delivered = total <= _maxMessageSize && delivery.TryReserve(record.Channel, (int)total, out destination);
        if (delivered)
        {
            int at = 0;
            for (int i = 0; i < slot.Count; i++)
            {
                slot.Parts[i].AsSpan(0, slot.Lengths[i]).CopyTo(destination[at..]);
                at += slot.Lengths[i];
            }
        }
        Free(slot);
        return delivered;
    }

    private Slot? Find(ChannelKind channel, ushort group, ushort count, double now, ConnectionBudget delivery)
    {
        Slot? victim = null;
        foreach (var slot in _slots)
        {
            if (slot.Active && now - slot.StartedAt > StaleSeconds) Free(slot);
            if (slot.Active && slot.Channel == channel && slot.Group == group && slot.Count == count) return slot;
        }
        if (!delivery.TryStartFragmentGroup(channel)) return null;
        foreach (var slot in _slots)
        {
            if (!slot.Active) { victim = slot; break; }
            if (victim is null || slot.StartedAt < victim.StartedAt) victim = slot;
        }
        if (victim!.Active) Free(victim);
        victim.Active = true;
        victim.Channel = channel;
        victim.Group = group;
        victim.Count = count;
        victim.Received = 0;
        victim.StartedAt = now;
        Array.Fill(victim.Lengths, -1, 0, count);
        return victim;
    }

    private bool EvictOldest(Slot except)
    {
        Slot? oldest = null;
        foreach (var slot in _slots)
        {
            if (slot.Active && slot != except && (oldest is null || slot.StartedAt < oldest.StartedAt)) oldest = slot;
        }
        if (oldest is null) return false;
        Free(oldest);
        return true;
    }

    private void Free(Slot slot)
    {
        if (!slot.Active) return;
        for (int i = 0; i < slot.Count; i++)
        {
            if (slot.Parts[i] is { } part)
            {
                _pool.Return(part);
                slot.Parts[i] = null;
                _stored--;
            }
        }
        slot.Active = false;
    }

    public void Clear()
    {
        foreach (var slot in _slots) Free(slot);
    }
}
