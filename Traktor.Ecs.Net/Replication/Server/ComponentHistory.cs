namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The server's quantized history of one component type, shared by every connection: per entity
/// slot, a small ring of (tick, snapshot) entries appended only when the quantized value changes.
/// The value at tick T is the newest entry not after T. An entity at rest therefore keeps its one
/// entry for as long as it rests, and any old baseline a client holds stays usable.
/// </summary>
/// <typeparam name="TSnapshot">The generated quantized snapshot type.</typeparam>
internal sealed class ComponentHistory<TSnapshot>
    where TSnapshot : struct
{
    /// <summary>
    /// Changes kept per entity. An entity that moves every tick needs its three newest acknowledged
    /// baselines, about one RTT old, to still be here: 32 ticks cover RTTs up to ~450 ms at 60 Hz.
    /// With fewer, prediction falls back to one baseline and moving entities cost ~20 % more.
    /// </summary>
    public const int Depth = 32;

    private TSnapshot[] values = [];
    private uint[] ticks = [];
    private byte[] newest = [];
    private byte[] count = [];

    /// <summary>Makes room for slots below <paramref name="slotCount"/>.</summary>
    public void EnsureCapacity(int slotCount)
    {
        if (slotCount <= count.Length)
        {
            return;
        }

        int size = Math.Max(slotCount, count.Length * 2);
        Array.Resize(ref values, size * Depth);
        Array.Resize(ref ticks, size * Depth);
        Array.Resize(ref newest, size);
        Array.Resize(ref count, size);
    }

    /// <summary>Forgets a slot (its entity is gone or stopped having the component).</summary>
    public void Clear(int slot)
    {
        if (slot < count.Length)
        {
            count[slot] = 0;
        }
    }

    /// <summary>True when the slot has any entry.</summary>
    public bool Has(int slot) => slot < count.Length && count[slot] != 0;

    /// <summary>The newest value of a slot that <see cref="Has"/> an entry.</summary>
    public ref readonly TSnapshot Newest(int slot) => ref values[(slot * Depth) + newest[slot]];

    /// <summary>The tick of the newest entry (the last change).</summary>
    public uint NewestTick(int slot) => ticks[(slot * Depth) + newest[slot]];

    /// <summary>Records the value at <paramref name="tick"/> as a new entry (the caller checked it differs).</summary>
    public void Append(int slot, uint tick, in TSnapshot value)
    {
        int head = count[slot] == 0 ? 0 : (newest[slot] + 1) % Depth;
        values[(slot * Depth) + head] = value;
        ticks[(slot * Depth) + head] = tick;
        newest[slot] = (byte)head;
        if (count[slot] < Depth)
        {
            count[slot]++;
        }
    }

    /// <summary>The value at <paramref name="tick"/>: the newest entry not after it, if still held.</summary>
    public bool TryGet(int slot, uint tick, out TSnapshot value)
    {
        int held = slot < count.Length ? count[slot] : 0;
        int index = held == 0 ? 0 : newest[slot];
        for (int i = 0; i < held; i++)
        {
            int at = (slot * Depth) + index;
            if ((int)(tick - ticks[at]) >= 0)
            {
                value = values[at];
                return true;
            }

            index = index == 0 ? Depth - 1 : index - 1;
        }

        value = default;
        return false;
    }
}
