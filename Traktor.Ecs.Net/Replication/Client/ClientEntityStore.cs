namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>
/// The client's map from network ids to its own entities, with dense slots for per-entity arrays, the
/// newest tick applied to each entity, tombstones of recent despawns (so a late, older snapshot
/// cannot resurrect a despawned entity), and the slots of recent despawns (so such a snapshot can still be read).
/// </summary>
internal sealed class ClientEntityStore
{
    private const int TombstoneTicks = 4 * SnapshotFormat.ClientHistoryTicks;
    private readonly Dictionary<uint, int> slotByNetId = new();
    private readonly Dictionary<uint, uint> tombstones = new();
    private readonly Stack<int> freeSlots = new();
    private readonly List<uint> expired = new();
    private readonly Dictionary<uint, (int Slot, uint Tick)> retired = new();

    public Entity[] Entities { get; private set; } = new Entity[64];

    public uint[] NetIds { get; private set; } = new uint[64];

    public uint[] LatestTick { get; private set; } = new uint[64];

    public ulong[] TypeMasks { get; private set; } = new ulong[64];

    /// <summary>The fewest ticks between two sends of each entity, from its types' send rates (1 = every snapshot).</summary>
    public ushort[] SendIntervals { get; private set; } = new ushort[64];

    /// <summary>One past the highest slot ever used.</summary>
    public int SlotBound { get; private set; }

    public int Count => slotByNetId.Count;

    public bool IsActive(int slot) => NetIds[slot] != 0;

    public int Find(uint netId) => slotByNetId.TryGetValue(netId, out int slot) ? slot : -1;

    public int Add(uint netId, Entity entity, uint tick)
    {
        int slot = freeSlots.Count > 0 ? freeSlots.Pop() : SlotBound++;
        if (slot >= NetIds.Length)
        {
            int size = NetIds.Length * 2;
            Entities = ArrayGrowth.Resized(Entities, size);
            NetIds = ArrayGrowth.Resized(NetIds, size);
            LatestTick = ArrayGrowth.Resized(LatestTick, size);
            TypeMasks = ArrayGrowth.Resized(TypeMasks, size);
            SendIntervals = ArrayGrowth.Resized(SendIntervals, size);
        }

        Entities[slot] = entity;
        NetIds[slot] = netId;
        LatestTick[slot] = tick;
        TypeMasks[slot] = 0;
        SendIntervals[slot] = 1;
        slotByNetId.Add(netId, slot);
        tombstones.Remove(netId);
        return slot;
    }

    /// <summary>
    /// Removes a despawned entity but keeps its slot, and the component history in it, for
    /// <see cref="SnapshotFormat.ClientHistoryTicks"/> ticks: a snapshot older than the despawn that arrives late (it was
    /// overtaken) may carry a delta of the entity, and reading the rest of it needs the entity's types at the baseline.
    /// Its record is then skipped (buried).
    /// </summary>
    /// <returns>The slot of an earlier retirement of the same id, to release now, or −1.</returns>
    public int Retire(int slot, uint tick)
    {
        uint netId = NetIds[slot];
        slotByNetId.Remove(netId);
        Bury(netId, tick);
        NetIds[slot] = 0;
        Entities[slot] = Entity.Null;
        int previous = retired.Remove(netId, out var earlier) ? earlier.Slot : -1;
        retired[netId] = (slot, tick);
        return previous;
    }

    /// <summary>The retired slot of <paramref name="netId"/> when a state of <paramref name="tick"/> is older than its despawn, or −1.</summary>
    public int FindRetired(uint netId, uint tick) =>
        retired.TryGetValue(netId, out var entry) && (int)(tick - entry.Tick) < 0 ? entry.Slot : -1;

    /// <summary>
    /// Adds to <paramref name="released"/> (and forgets) the slots retired 64 or more ticks before
    /// <paramref name="newestTick"/>: every snapshot older than their despawn is ignored now. The caller clears them and
    /// gives them back with <see cref="Free"/>.
    /// </summary>
    public void TakeExpiredRetired(uint newestTick, List<int> released)
    {
        if (retired.Count == 0)
        {
            return;
        }

        expired.Clear();
        foreach (var (netId, entry) in retired)
        {
            if ((int)(newestTick - entry.Tick) >= SnapshotFormat.ClientHistoryTicks)
            {
                expired.Add(netId);
                released.Add(entry.Slot);
            }
        }

        foreach (uint netId in expired)
        {
            retired.Remove(netId);
        }
    }

    /// <summary>Gives back a released slot for reuse.</summary>
    public void Free(int slot) => freeSlots.Push(slot);

    /// <summary>Remembers that <paramref name="netId"/> was despawned at <paramref name="tick"/>.</summary>
    public void Bury(uint netId, uint tick)
    {
        if (!tombstones.TryGetValue(netId, out uint existing) || (int)(tick - existing) > 0)
        {
            tombstones[netId] = tick;
        }
    }

    /// <summary>True when a state of <paramref name="tick"/> is older than a despawn of the same id.</summary>
    public bool IsBuried(uint netId, uint tick) =>
        tombstones.TryGetValue(netId, out uint despawned) && (int)(tick - despawned) < 0;

    public void ForgetTombstone(uint netId) => tombstones.Remove(netId);

    /// <summary>Drops tombstones older than any snapshot the client would still accept.</summary>
    public void PruneTombstones(uint newestTick)
    {
        if (tombstones.Count == 0)
        {
            return;
        }

        expired.Clear();
        foreach (var (netId, tick) in tombstones)
        {
            if ((int)(newestTick - tick) > TombstoneTicks)
            {
                expired.Add(netId);
            }
        }

        foreach (uint netId in expired)
        {
            tombstones.Remove(netId);
        }
    }

    public void Clear()
    {
        slotByNetId.Clear();
        tombstones.Clear();
        retired.Clear();
        freeSlots.Clear();
        Array.Clear(NetIds);
        SlotBound = 0;
    }
}
