namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// What went into each of a connection's recent snapshots, by tick, so an acknowledgement can be turned into
/// acknowledged baselines and delivered despawns. The records of all entries live in one ring per connection (and the
/// despawns in another): an entry is a window of the ring, and the ring only has to hold the entries that may still be
/// acknowledged. It grows (doubling) only when those outgrow it, which the sum over a few unacknowledged snapshots
/// rarely does once warm. Arrays of its own for each of the 64 entries, grown whenever the connection saw a new largest
/// snapshot, would keep allocating for minutes while players wander (kilobytes per tick at hundreds of clients).
/// A record's slot, network id and types sit together in one ring entry, so writing a record
/// or acknowledging it touches one cache line for several records, not one line in each of three arrays.
/// </summary>
internal sealed class SentSnapshotLog
{
    public const int Length = SnapshotFormat.ClientHistoryTicks;

    /// <summary>The starting size of the rings: room for a few dozen snapshots of a dozen entities.</summary>
    private const int InitialCapacity = 512;

    private readonly Entry[] entries = new Entry[Length];
    private SentRecord[] records = new SentRecord[InitialCapacity];
    private uint[] despawns = new uint[InitialCapacity];

    /// <summary>Ring positions (counting up forever) where the next record and despawn go.</summary>
    private long recordHead;

    private long despawnHead;

    /// <summary>The oldest ring positions an entry that may still be acknowledged reads: writing must not pass them.</summary>
    private long recordFloor;

    private long despawnFloor;

    /// <summary>The entries in the order they were begun (with the tick they were begun for), oldest at the front.</summary>
    private readonly (Entry Entry, uint Tick)[] order = new (Entry, uint)[2 * Length];

    private int orderFront;
    private int orderCount;

    public SentSnapshotLog()
    {
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new Entry(this);
        }
    }

    /// <summary>Ring slots held (records), for tests of the ring's bound.</summary>
    internal int RecordCapacity => records.Length;

    /// <summary>
    /// Starts the entry of <paramref name="tick"/>, replacing the one <see cref="Length"/> ticks older; entries older
    /// than that expire too (a later acknowledgement of them is ignored), so the ring never holds more than the
    /// snapshots of the last <see cref="Length"/> ticks.
    /// </summary>
    public Entry Begin(uint tick)
    {
        var entry = entries[tick % Length];
        entry.Valid = false;

        // The entries begun, oldest first: drop from the front those that can no longer be acknowledged (replaced,
        // acknowledged, or too old); the first that can gives the floor. Touches only the entries that died since
        // the last call, rather than all 64 of each connection in every tick.
        while (orderCount > 0)
        {
            var (front, frontTick) = order[orderFront];
            bool alive = front.Valid && front.Tick == frontTick && !front.Acked;
            if (alive && tick - frontTick < Length && orderCount < order.Length - 1)
            {
                break;
            }

            if (front.Tick == frontTick)
            {
                front.Valid = false; // too old to keep, or already dead
            }

            orderFront = (orderFront + 1) & (order.Length - 1);
            orderCount--;
        }

        recordFloor = orderCount > 0 ? order[orderFront].Entry.RecordStart : recordHead;
        despawnFloor = orderCount > 0 ? order[orderFront].Entry.DespawnStart : despawnHead;

        entry.Tick = tick;
        entry.Valid = true;
        entry.Acked = false;
        entry.RecordCount = 0;
        entry.DespawnCount = 0;
        entry.RecordStart = recordHead;
        entry.DespawnStart = despawnHead;
        order[(orderFront + orderCount) & (order.Length - 1)] = (entry, tick);
        orderCount++;
        return entry;
    }

    /// <summary>The entry of <paramref name="tick"/> if it is still held and not yet acknowledged.</summary>
    public Entry? Find(uint tick)
    {
        var entry = entries[tick % Length];
        return entry.Valid && entry.Tick == tick && !entry.Acked ? entry : null;
    }

    /// <summary>
    /// The entry of <paramref name="tick"/> if it was acknowledged and is still held. While it is valid its items are
    /// intact: an acknowledged entry is dropped (made invalid) when it reaches the front of the begin order, before the
    /// floor moves past its ring positions.
    /// </summary>
    public Entry? FindAcknowledged(uint tick)
    {
        var entry = entries[tick % Length];
        return entry.Valid && entry.Tick == tick && entry.Acked ? entry : null;
    }

    /// <summary>Forgets an entry: a later acknowledgement of its tick is ignored.</summary>
    public static void Forget(Entry entry) => entry.Valid = false;

    private void AddRecord(Entry entry, int slot, uint netId, ulong mask)
    {
        if (entry.RecordStart + entry.RecordCount != recordHead)
        {
            throw new InvalidOperationException("Records are added to the entry begun last.");
        }

        if (recordHead - recordFloor == records.Length)
        {
            records = Grown(records, recordFloor, recordHead);
        }

        records[(int)(recordHead & (records.Length - 1))] = new SentRecord(slot, netId, mask);
        recordHead++;
        entry.RecordCount++;
    }

    private void AddDespawn(Entry entry, uint netId)
    {
        if (entry.DespawnStart + entry.DespawnCount != despawnHead)
        {
            throw new InvalidOperationException("Despawns are added to the entry begun last.");
        }

        if (despawnHead - despawnFloor == despawns.Length)
        {
            despawns = Grown(despawns, despawnFloor, despawnHead);
        }

        despawns[(int)(despawnHead & (despawns.Length - 1))] = netId;
        despawnHead++;
        entry.DespawnCount++;
    }

    /// <summary>A ring twice as large holding the positions from <paramref name="floor"/> to <paramref name="head"/> where they belong.</summary>
    private static T[] Grown<T>(T[] ring, long floor, long head)
    {
        var grown = new T[ring.Length * 2];
        for (long position = floor; position < head; position++)
        {
            grown[position & (grown.Length - 1)] = ring[position & (ring.Length - 1)];
        }

        return grown;
    }

    /// <summary>One sent snapshot: its window of the rings.</summary>
    internal sealed class Entry(SentSnapshotLog log)
    {
        public uint Tick;
        public bool Valid;
        public bool Acked;
        public int RecordCount;
        public int DespawnCount;
        public long RecordStart;
        public long DespawnStart;

        /// <summary>The records (entity slot, network id, component types carried).</summary>
        public RingView<SentRecord> Records => new(log.records, RecordStart);

        /// <summary>The network ids despawned.</summary>
        public RingView<uint> Despawns => new(log.despawns, DespawnStart);

        /// <summary>Adds a record; only to the entry begun last.</summary>
        public void AddRecord(int slot, uint netId, ulong mask) => log.AddRecord(this, slot, netId, mask);

        /// <summary>Adds a despawn; only to the entry begun last.</summary>
        public void AddDespawn(uint netId) => log.AddDespawn(this, netId);
    }

    /// <summary>One record of a sent snapshot: the entity's slot, the network id it was sent with, the types it carried.</summary>
    internal readonly record struct SentRecord(int Slot, uint NetId, ulong Mask);

    /// <summary>An entry's items in a ring, indexed from 0 (valid until the next record is added to the log).</summary>
    internal readonly struct RingView<T>(T[] ring, long start)
    {
        public T this[int index] => ring[(start + index) & (ring.Length - 1)];
    }
}
