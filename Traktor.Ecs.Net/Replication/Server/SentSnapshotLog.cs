namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// What went into each of a connection's recent snapshots, by tick, so an acknowledgement can be
/// turned into acknowledged baselines and delivered despawns. Storage is reused: no allocation once
/// the largest packet has been seen and every entry was reused once after it. Entries grow together
/// (an entry that is begun adopts the largest capacity any entry needed), because entries growing one
/// by one, each when it happens to get a larger snapshot, kept allocating for minutes when the number
/// of visible entities varies (issue 16: kilobytes per tick at hundreds of clients).
/// </summary>
internal sealed class SentSnapshotLog
{
    public const int Length = SnapshotFormat.ClientHistoryTicks;

    private readonly Entry[] entries = new Entry[Length];

    /// <summary>The record capacity every entry adopts when it is begun: the most any entry has needed.</summary>
    private int recordCapacity = 16;

    private int despawnCapacity = 16;

    public SentSnapshotLog()
    {
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new Entry(this);
        }
    }

    /// <summary>Starts the entry of <paramref name="tick"/>, replacing the one 64 ticks older.</summary>
    public Entry Begin(uint tick)
    {
        var entry = entries[tick % Length];
        entry.Adopt(recordCapacity, despawnCapacity);
        entry.Tick = tick;
        entry.Valid = true;
        entry.Acked = false;
        entry.RecordCount = 0;
        entry.DespawnCount = 0;
        return entry;
    }

    /// <summary>The entry of <paramref name="tick"/> if it is still held (acknowledged or not).</summary>
    public Entry? Find(uint tick)
    {
        var entry = entries[tick % Length];
        return entry.Valid && entry.Tick == tick ? entry : null;
    }

    internal sealed class Entry(SentSnapshotLog log)
    {
        public uint Tick;
        public bool Valid;
        public bool Acked;
        public int RecordCount;
        public int DespawnCount;
        public int[] Slots = new int[16];
        public uint[] NetIds = new uint[16];
        public ulong[] Masks = new ulong[16];
        public uint[] Despawns = new uint[16];

        public void Adopt(int records, int despawns)
        {
            if (Slots.Length < records)
            {
                Slots = new int[records];
                NetIds = new uint[records];
                Masks = new ulong[records];
            }

            if (Despawns.Length < despawns)
            {
                Despawns = new uint[despawns];
            }
        }

        public void AddRecord(int slot, uint netId, ulong mask)
        {
            if (RecordCount == Slots.Length)
            {
                Array.Resize(ref Slots, RecordCount * 2);
                Array.Resize(ref NetIds, RecordCount * 2);
                Array.Resize(ref Masks, RecordCount * 2);
                log.recordCapacity = Math.Max(log.recordCapacity, Slots.Length);
            }

            Slots[RecordCount] = slot;
            NetIds[RecordCount] = netId;
            Masks[RecordCount] = mask;
            RecordCount++;
        }

        public void AddDespawn(uint netId)
        {
            if (DespawnCount == Despawns.Length)
            {
                Array.Resize(ref Despawns, DespawnCount * 2);
                log.despawnCapacity = Math.Max(log.despawnCapacity, Despawns.Length);
            }

            Despawns[DespawnCount++] = netId;
        }
    }
}
