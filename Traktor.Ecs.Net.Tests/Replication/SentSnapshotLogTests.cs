using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>The per-connection log of sent snapshots stops allocating soon after the largest snapshot was seen.</summary>
public class SentSnapshotLogTests
{
    [Fact]
    public void VaryingSnapshotSizesAllocateNothingOnceEveryEntryWasReusedAfterTheLargest()
    {
        // As on a server whose clients see a varying number of entities: each tick records between 0 and 40 entities
        // and despawns. Before entries grew together, each of the 64 entries grew on its own whenever it happened to
        // get a larger snapshot, so the log still allocated hundreds of ticks later.
        var log = new SentSnapshotLog();
        var random = new Random(16);
        uint tick = 0;
        void Record(int records, int despawns)
        {
            var entry = log.Begin(tick++);
            for (int i = 0; i < records; i++) entry.AddRecord(i, (uint)i, 1UL);
            for (int i = 0; i < despawns; i++) entry.AddDespawn((uint)i);
        }

        Record(40, 40); // the largest snapshot comes first
        for (int i = 0; i < 2 * SentSnapshotLog.Length; i++) Record(random.Next(0, 41), random.Next(0, 41));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Record(random.Next(0, 41), random.Next(0, 41));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryEntryThatMayStillBeAcknowledgedReadsBackWhatWasRecorded(int seed)
    {
        // A model of the log: what each tick's snapshot carried. Ticks skip (no snapshot), some entries are
        // acknowledged and others never are, and sizes vary from empty to large, so the ring wraps and grows.
        var log = new SentSnapshotLog();
        var model = new Dictionary<uint, (List<(int Slot, uint NetId, ulong Mask)> Records, List<uint> Despawns)>();
        var random = new Random(seed);
        uint tick = 0;
        for (int step = 0; step < 3000; step++)
        {
            tick += (uint)(random.Next(4) == 0 ? random.Next(2, 70) : 1);
            var entry = log.Begin(tick);
            var recorded = (Records: new List<(int, uint, ulong)>(), Despawns: new List<uint>());
            int records = random.Next(8) == 0 ? random.Next(100, 300) : random.Next(0, 20);
            for (int i = 0; i < records; i++)
            {
                var record = (random.Next(), (uint)random.Next(), (ulong)random.NextInt64());
                entry.AddRecord(record.Item1, record.Item2, record.Item3);
                recorded.Records.Add(record);
            }

            for (int i = random.Next(0, 30); i > 0; i--)
            {
                uint despawn = (uint)random.Next();
                entry.AddDespawn(despawn);
                recorded.Despawns.Add(despawn);
            }

            model[tick] = recorded;
            Assert.NotNull(log.Find(tick));
            if (random.Next(3) == 0)
            {
                // Acknowledge one recent snapshot, as a client's ack does.
                uint acked = tick - (uint)random.Next(0, 8);
                log.Find(acked)?.Acked = true;
            }

            // Every entry still findable holds exactly what its tick recorded; entries within the last Length ticks
            // that were never acknowledged are findable when no later tick took their place.
            for (uint back = 0; back < SentSnapshotLog.Length + 2 && back <= tick; back++)
            {
                uint t = tick - back;
                var found = log.Find(t);
                if (found is null)
                {
                    continue;
                }

                Assert.True(back < SentSnapshotLog.Length, $"tick {t} is {back} ticks old and still held");
                var (expectedRecords, expectedDespawns) = model[t];
                Assert.Equal(expectedRecords.Count, found.RecordCount);
                for (int i = 0; i < found.RecordCount; i++)
                {
                    Assert.Equal(expectedRecords[i], (found.Records[i].Slot, found.Records[i].NetId, found.Records[i].Mask));
                }

                Assert.Equal(expectedDespawns, Enumerable.Range(0, found.DespawnCount).Select(i => found.Despawns[i]));
            }
        }

        // Bounded by what 64 unacknowledged snapshots of at most 300 records can hold.
        Assert.True(log.RecordCapacity <= 32768, $"ring of {log.RecordCapacity}");
    }
}
