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
}
