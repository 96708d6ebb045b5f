using System.Buffers;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Reassembles fragmented unreliable and sequenced messages in a few bounded slots. Every fragment's index,
/// count and size are checked before it is copied; incomplete groups are evicted when stale or displaced.
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
        public byte[]? Buffer;
        public int[] Lengths = [];
    }

    private readonly Slot[] _slots = new Slot[SlotCount];
    private readonly int _maxRecordData;
    private readonly int _maxFragments;
    private readonly int _maxMessageSize;

    public FragmentReassembler(int maxRecordData, int maxFragments, int maxMessageSize)
    {
        _maxRecordData = maxRecordData;
        _maxFragments = maxFragments;
        _maxMessageSize = maxMessageSize;
        for (int i = 0; i < SlotCount; i++) _slots[i] = new Slot { Lengths = new int[maxFragments] };
    }

    /// <summary>
    /// Stores a fragment; when it completes its message, copies the message into <paramref name="events"/>
    /// and returns true with <paramref name="group"/> set.
    /// </summary>
    public bool Add(in MessageRecord record, double now, EventQueue events, ConnectionId connection, ulong clientId, out ushort group)
    {
        group = record.Id;
        if (record.Data.Length > _maxRecordData || record.FragmentCount > _maxFragments) return false;
        var slot = Find(record.Channel, record.Id, record.FragmentCount, now);
        if (slot.Lengths[record.FragmentIndex] >= 0) return false; // duplicate
        record.Data.CopyTo(slot.Buffer.AsSpan(record.FragmentIndex * _maxRecordData));
        slot.Lengths[record.FragmentIndex] = record.Data.Length;
        if (++slot.Received < slot.Count) return false;

        long total = 0;
        for (int i = 0; i < slot.Count; i++) total += slot.Lengths[i];
        if (total <= _maxMessageSize)
        {
            var destination = events.ReserveMessage(connection, clientId, record.Channel, (int)total);
            int at = 0;
            for (int i = 0; i < slot.Count; i++)
            {
                slot.Buffer.AsSpan(i * _maxRecordData, slot.Lengths[i]).CopyTo(destination[at..]);
                at += slot.Lengths[i];
            }
        }
        Free(slot);
        return total <= _maxMessageSize;
    }

    private Slot Find(ChannelKind channel, ushort group, ushort count, double now)
    {
        Slot? victim = null;
        foreach (var slot in _slots)
        {
            if (slot.Active && now - slot.StartedAt > StaleSeconds) Free(slot);
            if (slot.Active && slot.Channel == channel && slot.Group == group && slot.Count == count) return slot;
        }
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
        victim.Buffer = ArrayPool<byte>.Shared.Rent(count * _maxRecordData);
        Array.Fill(victim.Lengths, -1, 0, count);
        return victim;
    }

    private static void Free(Slot slot)
    {
        if (slot.Buffer is not null) ArrayPool<byte>.Shared.Return(slot.Buffer);
        slot.Buffer = null;
        slot.Active = false;
    }

    public void Clear()
    {
        foreach (var slot in _slots) Free(slot);
    }
}
