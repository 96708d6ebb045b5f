using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// What one connection remembers about one entity slot: the network id it was sent, its acknowledged baselines, when it
/// was last sent, its priority accumulator and the tick it was last found in range.
/// </summary>
internal struct SlotState
{
    public int Slot;
    public uint SentNetId;
    public uint Acked0;
    public uint Acked1;
    public uint Acked2;
    public uint LastSentTick;
    public uint RelevantTick;
    public float Priority;
    public ulong AckedMask;

    /// <summary>The slot's place in <see cref="ConnectionReplicationState.Known"/>, or -1.</summary>
    public int KnownIndex;
    public byte AckedCount;
}

/// <summary>
/// A connection's <see cref="SlotState"/>s, only for the slots it has to remember (those it was sent, those in range
/// this tick, those waiting with a priority), in one dense array found through an open-addressing table keyed by slot.
/// Ten arrays per connection as long as the world's entity slots would be ~170 MB at 2,000 clients and 2,000 entities,
/// walked in scattered places, one cache and TLB miss per array and entity looked at. This way a connection's state is
/// a few kilobytes that stay in cache while it is worked on, and memory follows what each
/// connection sees rather than clients × entities. A slot absent from the table reads as all zeros (never sent, not
/// in range, no priority).
/// </summary>
internal sealed class SlotStates
{
    private const int InitialCapacity = 64; // entries; a connection seldom remembers more (its view is about a dozen)

    private SlotState[] entries = new SlotState[InitialCapacity];
    private int[] table = new int[InitialCapacity * 2]; // entry index + 1; 0 is empty
    private int count;
    private int shift = 32 - 7; // log2(table.Length) bits of the hash

    /// <summary>The number of slots remembered.</summary>
    public int Count => count;

    /// <summary>The state of <paramref name="slot"/>, or a null reference when it is not remembered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref SlotState Find(int slot)
    {
        int mask = table.Length - 1;
        for (int at = Hash(slot); ; at = (at + 1) & mask)
        {
            int index = table[at] - 1;
            if (index < 0)
            {
                return ref Unsafe.NullRef<SlotState>();
            }

            if (entries[index].Slot == slot)
            {
                return ref entries[index];
            }
        }
    }

    /// <summary>
    /// The state of <paramref name="slot"/>, added (all zeros) when it is not remembered. Adding may move every entry:
    /// a reference from an earlier call must not be used after this one.
    /// </summary>
    public ref SlotState GetOrAdd(int slot)
    {
        int index = GetOrAddIndex(slot); // first: adding may replace the array (read after, not before, the call)
        return ref entries[index];
    }

    /// <summary>
    /// The place of <paramref name="slot"/>'s state, added (all zeros) when it is not remembered. A place stays the
    /// slot's while nothing is removed (growing keeps places), so a tick's steps can pass it along instead of looking
    /// the slot up again in each; <see cref="At"/> checks it.
    /// </summary>
    public int GetOrAddIndex(int slot)
    {
        int found = IndexOf(slot);
        if (found >= 0)
        {
            return found;
        }

        if (count == entries.Length)
        {
            Grow(); // a new high of remembered slots: one allocation, not one per tick
        }

        int added = count++;
        entries[added] = new SlotState { Slot = slot, KnownIndex = -1 };
        Place(slot, added);
        return added;
    }

    /// <summary>The state at place <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>), to walk every remembered slot.</summary>
    /// <param name="index">A place.</param>
    public ref SlotState EntryAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)count, nameof(index));
        return ref entries[index];
    }

    /// <summary>The place of <paramref name="slot"/>'s state, or -1 when it is not remembered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(int slot)
    {
        int mask = table.Length - 1;
        for (int at = Hash(slot); ; at = (at + 1) & mask)
        {
            int index = table[at] - 1;
            if (index < 0 || entries[index].Slot == slot)
            {
                return index;
            }
        }
    }

    /// <summary>
    /// The state of <paramref name="slot"/> at the place <see cref="GetOrAddIndex"/> gave; should a removal since have
    /// moved it, it is looked up (and added when it was removed), so a stale place is never another slot's state.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref SlotState At(int index, int slot)
    {
        if ((uint)index < (uint)count)
        {
            ref var state = ref entries[index];
            if (state.Slot == slot)
            {
                return ref state;
            }
        }

        return ref GetOrAdd(slot);
    }

    /// <summary>Forgets <paramref name="slot"/> (it reads as all zeros again); the last entry takes its place.</summary>
    public void Remove(int slot)
    {
        int mask = table.Length - 1;
        int at = Hash(slot);
        while (table[at] != 0 && entries[table[at] - 1].Slot != slot)
        {
            at = (at + 1) & mask;
        }

        if (table[at] == 0)
        {
            return;
        }

        int index = table[at] - 1;
        RemoveFromTable(at);
        int last = --count;
        if (index != last)
        {
            entries[index] = entries[last];
            Repoint(entries[index].Slot, last, index);
        }

        entries[last] = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(int slot) => (int)(((uint)slot * 0x9E3779B1u) >> shift);

    private void Place(int slot, int index)
    {
        int mask = table.Length - 1;
        int at = Hash(slot);
        while (table[at] != 0)
        {
            at = (at + 1) & mask;
        }

        table[at] = index + 1;
    }

    private void Repoint(int slot, int from, int to)
    {
        int mask = table.Length - 1;
        int at = Hash(slot);
        while (table[at] != from + 1)
        {
            at = (at + 1) & mask;
        }

        table[at] = to + 1;
    }

    /// <summary>Empties a place of the table, shifting back the entries of the probe run after it (no tombstones).</summary>
    private void RemoveFromTable(int hole)
    {
        int mask = table.Length - 1;
        int at = hole;
        while (true)
        {
            at = (at + 1) & mask;
            if (table[at] == 0)
            {
                break;
            }

            int home = Hash(entries[table[at] - 1].Slot);
            // The entry at `at` may move into the hole unless its home lies cyclically in (hole, at].
            bool stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
            if (!stays)
            {
                table[hole] = table[at];
                hole = at;
            }
        }

        table[hole] = 0;
    }

    private void Grow()
    {
        Array.Resize(ref entries, entries.Length * 2);
        table = new int[entries.Length * 2];
        shift--;
        for (int i = 0; i < count; i++)
        {
            Place(entries[i].Slot, i);
        }
    }
}
