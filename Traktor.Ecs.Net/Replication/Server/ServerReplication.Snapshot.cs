using System.Numerics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication.Server;

public sealed partial class ServerReplication
{
    private const int HeaderBits = 8 + 32 + 8 + 8 + 64; // kind, tick, flags, input status, the entity list's header
    private readonly ushort[] models;
    private readonly byte[] packet;
    private Candidate[] candidates = new Candidate[256];
    private SnapshotRecord[] records = new SnapshotRecord[256];
    private uint[] despawnScratch = new uint[128];
    private readonly List<int> relevantScratch = new(256); // presized: growing past a new high allocates in a tick
    private long[] sectionBits = [];
    private long entityListBits;
    private int candidateCount;
    private sbyte statusScratch;
    private bool encodedStatus;

    private void WriteSnapshot(ConnectionReplicationState connection, ISnapshotSink sink)
    {
        candidateCount = 0;
        var relevant = MarkRelevant(connection);
        ForgetIrrelevant(connection);
        ForgetStaleWaits(connection);
        CollectCandidates(connection, relevant);
        connection.BudgetBytes = Math.Min(
            connection.BudgetBytes + ((double)options.BytesPerSecond * options.SnapshotInterval / options.TickRate),
            2.0 * options.MaxSnapshotBytes);
        int limit = (int)Math.Min(Math.Min(options.MaxSnapshotBytes, MaxMessageBytes), connection.BudgetBytes);
        if (limit < 64 || (candidateCount == 0 && connection.PendingDespawns.Count == 0))
        {
            return;
        }

        ShortSort.Sort<Candidate, ByPriority>(new Span<Candidate>(candidates, 0, candidateCount), static (a, b) => b.Priority.CompareTo(a.Priority));
        int despawnCount = ChooseDespawns(connection, limit, out double despawnBits);
        if (candidateCount == 0 && despawnCount == 0)
        {
            return; // the pending despawns are all in flight: nothing to send
        }

        int take = ChooseRecordCount(connection, limit, despawnBits);
        int bytes;
        while (true)
        {
            int recordCount = BuildRecords(connection, take);
            bytes = Encode(limit, recordCount, connection, despawnCount);
            if (bytes > 0 || (take == 0 && despawnCount == 0))
            {
                break;
            }

            Counters.Reencoded++;
            if (take > 0)
            {
                take = take * 3 / 4;
            }
            else
            {
                despawnCount = FillDespawns(connection, despawnCount * 3 / 4); // the oldest of those chosen stay
            }
        }

        if (bytes <= 0)
        {
            return;
        }

        Commit(connection, take, despawnCount, bytes);
        sink.Send(connection.Connection, packet.AsSpan(0, bytes));
    }

    private void CollectCandidates(ConnectionReplicationState connection, List<int> relevant)
    {
        var slots = connection.Slots;
        int pending = connection.PendingDespawns.Count;
        bool holdBack = pending >= DespawnHoldBack;
        bool holdBackOwned = pending >= DespawnOwnedHoldBack;
        foreach (int slot in relevant)
        {
            // One lookup per candidate: its place in the slot table goes along with it to record building and commit.
            int index = slots.IndexOf(slot);
            if (!IsRelevant(connection, slot, index < 0 ? 0 : slots.At(index, slot).RelevantTick))
            {
                connection.ForgetIfIdle(slot); // in range but filtered out: nothing to remember
                continue;
            }

            if (index < 0)
            {
                index = slots.GetOrAddIndex(slot);
            }

            ref var state = ref slots.At(index, slot);
            uint netId = tracker.NetIds[slot];
            if (holdBack && state.SentNetId != netId
                && (holdBackOwned || !tracker.HasOwner[slot] || tracker.Owners[slot] != connection.Connection))
            {
                // A new entity, while the client is far behind on despawns: later. Its own (a respawned avatar, what it
                // predicts) still go, up to a higher mark, or it would play on blind to itself.
                connection.ForgetIfIdle(slot);
                continue;
            }

            bool neverAcked = state.SentNetId != netId || state.AckedCount == 0;
            uint sinceSent = Tick - state.LastSentTick;
            if (neverAcked)
            {
                if (state.SentNetId == netId && sinceSent < Math.Max(tracker.SendInterval[slot], options.SpawnResendTicks))
                {
                    continue; // a spawn is in flight: give its acknowledgement time to arrive
                }
            }
            else
            {
                bool changed = (int)(tracker.LastChange[slot] - state.Acked0) > 0
                    || state.AckedMask != AudienceMask(connection, slot);
                if (!changed || sinceSent < tracker.SendInterval[slot])
                {
                    continue;
                }

                // The newest change already left in a snapshot that may yet be acknowledged: wait
                // for that acknowledgement (an RTT) before sending the same state again.
                bool inFlight = (int)(tracker.LastChange[slot] - state.LastSentTick) <= 0;
                if (inFlight && sinceSent < connection.ResendAfterTicks)
                {
                    continue;
                }
            }

            float boost = neverAcked ? 4f : 1f;
            float distance = options.Relevancy is { } relevancy && connection.HasViewer && tracker.HasPosition[slot]
                ? Vector2.Distance(tracker.Positions[slot], connection.Viewer) / relevancy.CellSize
                : 0f;
            state.Priority += tracker.Importance[slot] * boost / (1f + distance);
            if (candidateCount == candidates.Length)
            {
                Array.Resize(ref candidates, candidateCount * 2);
            }

            candidates[candidateCount++] = new Candidate(state.Priority, slot, index);
        }
    }

    private ulong AudienceMask(ConnectionReplicationState connection, int slot)
    {
        bool isOwner = tracker.HasOwner[slot] && tracker.Owners[slot] == connection.Connection;
        return tracker.TypeMasks[slot] & ~(isOwner ? allButOwnerTypes : ownerOnlyTypes);
    }

    /// <summary>How many of the best candidates should fit, from each record's expected size.</summary>
    private int ChooseRecordCount(ConnectionReplicationState connection, int limit, double despawnBits)
    {
        double bits = HeaderBits + despawnBits;
        double available = limit * 8.0;
        int take = 0;
        for (; take < candidateCount && take < SnapshotFormat.MaxRecords; take++)
        {
            int slot = candidates[take].Slot;
            ref var state = ref connection.Slots.At(candidates[take].Index, slot);
            bool full = state.SentNetId != tracker.NetIds[slot] || state.AckedCount == 0;
            bits += full ? FullRecordBits(AudienceMask(connection, slot)) : (connection.DeltaRecordBits * 1.5) + 16;
            if (bits > available)
            {
                break;
            }
        }

        return take;
    }

    private double FullRecordBits(ulong mask)
    {
        double bits = 40 + registry.Types.Count;
        foreach (var component in components)
        {
            if ((mask & (1UL << component.Type.Index)) != 0)
            {
                bits += (component.Type.MaxFullBits * 1.25) + 8;
            }
        }

        return bits;
    }

    /// <summary>Turns the best <paramref name="take"/> candidates into records sorted by network id.</summary>
    private int BuildRecords(ConnectionReplicationState connection, int take)
    {
        if (records.Length < take)
        {
            Array.Resize(ref records, Math.Max(take, records.Length * 2));
        }

        for (int i = 0; i < take; i++)
        {
            int slot = candidates[i].Slot;
            ref var record = ref records[i];
            record.Slot = slot;
            record.StateIndex = candidates[i].Index;
            record.NetId = tracker.NetIds[slot];
            record.TypeMask = AudienceMask(connection, slot);
            ChooseBaselines(connection, ref record);
        }

        ShortSort.Sort<SnapshotRecord, ByNetId>(new Span<SnapshotRecord>(records, 0, take), static (a, b) => a.NetId.CompareTo(b.NetId));
        return take;
    }

    private void ChooseBaselines(ConnectionReplicationState connection, ref SnapshotRecord record)
    {
        int slot = record.Slot;
        record.Full = true;
        record.BaselineCount = 0;
        ref var state = ref connection.Slots.At(record.StateIndex, slot);
        if (state.SentNetId != record.NetId || state.AckedCount == 0 || state.AckedMask != record.TypeMask)
        {
            return;
        }

        // The newest acknowledged tick is usable if the client still holds it: inside its tick-indexed
        // history, or as its latest state when nothing was sent after it.
        uint b0 = state.Acked0;
        bool b0Held = Tick - b0 < SnapshotFormat.BaselineWindowTicks || state.LastSentTick == b0;
        if (!b0Held || !HasValuesAt(slot, record.TypeMask, b0))
        {
            return;
        }

        record.Full = false;
        record.BaselineCount = 1;
        record.Baseline0 = b0;
        record.Baseline1 = b0;
        record.Baseline2 = b0;
        int acked = state.AckedCount;
        if (acked > 1 && Tick - state.Acked1 < SnapshotFormat.BaselineWindowTicks && HasValuesAt(slot, record.TypeMask, state.Acked1))
        {
            record.Baseline1 = state.Acked1;
            record.BaselineCount = 2;
            if (acked > 2 && Tick - state.Acked2 < SnapshotFormat.BaselineWindowTicks && HasValuesAt(slot, record.TypeMask, state.Acked2))
            {
                record.Baseline2 = state.Acked2;
                record.BaselineCount = 3;
            }
        }
    }

    private bool HasValuesAt(int slot, ulong mask, uint tick)
    {
        foreach (var component in components)
        {
            if ((mask & (1UL << component.Type.Index)) != 0 && !component.HasValueAt(slot, tick))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Encodes the snapshot; returns its size, or 0 when it did not fit the limit.</summary>
    private int Encode(int limit, int recordCount, ConnectionReplicationState connection, int despawnCount)
    {
        var despawns = new ReadOnlySpan<uint>(despawnScratch, 0, despawnCount); // sorted by ChooseDespawns
        var recordSpan = new Span<SnapshotRecord>(records, 0, recordCount);

        // The entity list is coded against the newest snapshot the client is known to have applied, while the client
        // still holds its ids, and when that is estimated cheaper than naming every id.
        uint referenceAge = Tick - connection.ReferenceTick;
        var reference = ReadOnlySpan<uint>.Empty;
        if (connection.HasReference && referenceAge is > 0 and < SnapshotFormat.MaxReferenceAge
            && SnapshotBody.ReferencePays(connection.ReferenceIds, recordSpan))
        {
            reference = connection.ReferenceIds;
        }
        else
        {
            referenceAge = 0;
        }

        var writer = new BitWriter(packet.AsSpan(0, limit));
        writer.WriteBits(SnapshotFormat.SnapshotMessage, 8);
        writer.WriteBits(Tick, 32);
        bool hasStatus = InputStatus is { } status && status.TryGetInputStatus(connection.Connection, out statusScratch);
        writer.WriteBits((ulong)((options.Coder == DeltaCoder.Adaptive ? SnapshotFormat.AdaptiveFlag : 0) | (hasStatus ? SnapshotFormat.InputStatusFlag : 0)), 8);
        if (hasStatus)
        {
            writer.WriteBits((byte)statusScratch, 8);
        }

        encodedStatus = hasStatus;
        int contextBase = registry.SchemaContexts;
        if (options.Coder == DeltaCoder.Static)
        {
            var encoder = new StaticDeltaEncoder(writer);
            long start = encoder.Writer.BitsWritten;
            SnapshotBody.WriteHeader(ref encoder, contextBase, Tick, (int)referenceAge, reference, despawns, recordSpan, components.Length);
            entityListBits = encoder.Writer.BitsWritten - start;
            for (int i = 0; i < components.Length; i++)
            {
                long before = encoder.Writer.BitsWritten;
                components[i].WriteSection(ref encoder, recordSpan, Tick);
                sectionBits[i] = encoder.Writer.BitsWritten - before;
            }

            return encoder.IsOverflowed ? 0 : encoder.Writer.BytesWritten;
        }
        else
        {
            int headerBytes = writer.BytesWritten;
            var encoder = new AdaptiveDeltaEncoder(packet.AsSpan(headerBytes, limit - headerBytes), models);
            double start = encoder.ApproximateBits;
            SnapshotBody.WriteHeader(ref encoder, contextBase, Tick, (int)referenceAge, reference, despawns, recordSpan, components.Length);
            entityListBits = (long)(encoder.ApproximateBits - start);
            for (int i = 0; i < components.Length; i++)
            {
                double before = encoder.ApproximateBits;
                components[i].WriteSection(ref encoder, recordSpan, Tick);
                sectionBits[i] = (long)Math.Round(encoder.ApproximateBits - before);
            }

            int body = encoder.Finish();
            return encoder.IsOverflowed ? 0 : headerBytes + body;
        }
    }

    private void Commit(ConnectionReplicationState connection, int recordCount, int despawnCount, int bytes)
    {
        if (encodedStatus)
        {
            connection.StatusTick = Tick;
        }

        var entry = connection.Log.Begin(Tick);
        for (int i = 0; i < recordCount; i++)
        {
            ref var record = ref records[i];
            int slot = record.Slot;
            entry.AddRecord(slot, record.NetId, record.TypeMask);

            ref var state = ref connection.Slots.At(record.StateIndex, slot);
            if (state.SentNetId != record.NetId)
            {
                state.SentNetId = record.NetId;
                state.AckedCount = 0;
                connection.PendingDespawns.Cancel(record.NetId);
            }

            ConnectionReplicationState.MarkKnown(connection.Known, ref state);
            state.LastSentTick = Tick;
            state.Priority = 0;
        }

        for (int i = 0; i < despawnCount; i++)
        {
            entry.AddDespawn(despawnScratch[i]);
            connection.PendingDespawns.MarkSent(despawnScratch[i], Tick);
        }

        Counters.DespawnsCarried += despawnCount;

        if (recordCount > 0)
        {
            connection.DeltaRecordBits = (float)Math.Max(8, ((bytes * 8.0) - HeaderBits) / recordCount);
        }

        connection.BudgetBytes -= bytes;
        Counters.Snapshots++;
        Counters.SnapshotBytes += bytes;
        Counters.LargestSnapshot = Math.Max(Counters.LargestSnapshot, bytes);
        Counters.EntityListBits += entityListBits;
        for (int i = 0; i < sectionBits.Length; i++)
        {
            Counters.AddComponentBits(i, sectionBits[i]);
        }
        Counters.Records += recordCount;
        ReplicationMetrics.SnapshotsSent.Add(1);
        ReplicationMetrics.SnapshotBytes.Add(bytes);
        ReplicationMetrics.Records.Add(recordCount);
    }

    /// <summary>An entity to consider sending: its priority, slot, and the place of its state in the connection's slot table.</summary>
    private readonly record struct Candidate(float Priority, int Slot, int Index);

    /// <summary>Highest priority first.</summary>
    private readonly struct ByPriority : ISortOrder<Candidate>
    {
        public static int Compare(in Candidate a, in Candidate b) => b.Priority.CompareTo(a.Priority);
    }

    /// <summary>Lowest network id first.</summary>
    private readonly struct ByNetId : ISortOrder<SnapshotRecord>
    {
        public static int Compare(in SnapshotRecord a, in SnapshotRecord b) => a.NetId.CompareTo(b.NetId);
    }
}
