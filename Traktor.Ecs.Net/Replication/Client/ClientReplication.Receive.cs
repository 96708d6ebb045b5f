using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>Receiving a snapshot: its header, the entity list against its reference and the records' types, validated whole before it is applied.</summary>
public sealed partial class ClientReplication
{
    /// <summary>
    /// Raised for the input status in a snapshot header (docs/PROTOCOL.md §10.4) with the server tick it
    /// describes (the one after the snapshot's) and how many ticks of this client's input the server held beyond it.
    /// Only the newest snapshot's status is reported.
    /// </summary>
    internal event Action<uint, sbyte>? InputStatusReceived;

    /// <summary>Handles one snapshot message. Never throws on bad input.</summary>
    /// <param name="message">The message, starting with its kind byte.</param>
    /// <param name="localSeconds">The local time of arrival, for time sync.</param>
    /// <param name="roundTripSeconds">The current RTT estimate.</param>
    /// <returns>True when the snapshot was applied.</returns>
    public bool ReceiveSnapshot(ReadOnlySpan<byte> message, double localSeconds, double roundTripSeconds)
    {
        var reader = new BitReader(message);
        uint kind = (uint)reader.ReadBits(8);
        uint tick = (uint)reader.ReadBits(32);
        uint flags = (uint)reader.ReadBits(8);
        bool adaptive = (flags & SnapshotFormat.AdaptiveFlag) != 0;
        bool hasStatus = (flags & SnapshotFormat.InputStatusFlag) != 0;
        sbyte status = hasStatus ? (sbyte)reader.ReadBits(8) : (sbyte)0;
        if (reader.IsFailed || kind != SnapshotFormat.SnapshotMessage || (flags & ~(uint)(SnapshotFormat.AdaptiveFlag | SnapshotFormat.InputStatusFlag)) != 0)
        {
            Counters.MalformedSnapshots++;
            OweCorrection();
            return false;
        }

        if (hasReceived && (int)(tick - newestTick) > SnapshotFormat.MaxTickJump && !ConfirmJump(tick))
        {
            Handed(tick);
            OweCorrection();
            return false; // one snapshot from far ahead is a corrupted tick until a second agrees
        }

        if (hasReceived && (int)(newestTick - tick) >= SnapshotFormat.ClientHistoryTicks)
        {
            return false; // too old to acknowledge or to be a baseline: ignore
        }

        if (hasReceived && IsReceived(tick))
        {
            return false; // a duplicate
        }

        Handed(tick);
        if (hasStatus && (!hasReportedStatus || (int)(tick - reportedStatusTick) > 0))
        {
            // Valid whether or not the body can be applied; an older snapshot's status is stale and skipped.
            hasReportedStatus = true;
            reportedStatusTick = tick;
            InputStatusReceived?.Invoke(tick + 1, status);
        }

        despawns.Clear();
        int recordCount;
        bool missingBaseline = false;
        bool failed;
        if (!adaptive)
        {
            var decoder = new StaticDeltaDecoder(reader);
            ReadEntityList(ref decoder, tick, out recordCount, ref missingBaseline);
            foreach (var component in components)
            {
                if (!decoder.IsFailed && !missingBaseline)
                {
                    component.ReadSection(ref decoder, records.AsSpan(0, recordCount), tick, ref missingBaseline);
                }
            }

            failed = decoder.IsFailed || missingBaseline;
        }
        else
        {
            int headerBytes = (int)(reader.BitsRead / 8);
            var decoder = new AdaptiveDeltaDecoder(message[headerBytes..], models);
            ReadEntityList(ref decoder, tick, out recordCount, ref missingBaseline);
            foreach (var component in components)
            {
                if (!decoder.IsFailed && !missingBaseline)
                {
                    component.ReadSection(ref decoder, records.AsSpan(0, recordCount), tick, ref missingBaseline);
                }
            }

            failed = decoder.IsFailed || missingBaseline;
        }

        if (failed)
        {
            ReplicationMetrics.SnapshotsDropped.Add(1);
            if (missingBaseline)
            {
                Counters.MissingBaselines++;
            }
            else
            {
                Counters.MalformedSnapshots++;
                DisownApplied();
            }

            logger.LogDebug("Dropped snapshot of tick {Tick}: {Reason}", tick, missingBaseline ? "missing baseline" : "malformed");
            OweCorrection();
            return false;
        }

        Apply(tick, recordCount);
        entityLists.Store(tick, records.AsSpan(0, recordCount));
        MarkReceived(tick);
        Clock.OnSnapshot(tick, localSeconds, roundTripSeconds);
        store.PruneTombstones(newestTick);
        ReleaseRetired();
        Counters.Snapshots++;
        ReplicationMetrics.SnapshotsApplied.Add(1);
        Counters.SnapshotBytes += message.Length;
        Counters.Records += recordCount;
        return true;
    }

    /// <summary>
    /// Reads the entity list against its reference (an earlier snapshot this client applied, named by its age) and
    /// prepares the records. A reference this client does not hold is a missing baseline: the server believed a
    /// snapshot applied that was not (or it is too old), and the correction tells it.
    /// </summary>
    private void ReadEntityList<TDecoder>(ref TDecoder decoder, uint tick, out int recordCount, ref bool missingBaseline)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        recordCount = 0;
        int contextBase = registry.SchemaContexts;
        int referenceAge = SnapshotBody.ReadReferenceAge(ref decoder, contextBase);
        ReadOnlySpan<uint> reference = default;
        if (decoder.IsFailed || (referenceAge > 0 && !entityLists.TryGet(tick - (uint)referenceAge, out reference)))
        {
            missingBaseline = !decoder.IsFailed;
            return;
        }

        SnapshotBody.ReadHeader(
            ref decoder, contextBase, tick, referenceAge, reference, despawns, ref records, out recordCount, components.Length,
            ref removedScratch, ref addedScratch);
        PrepareRecords(tick, recordCount, ref missingBaseline, decoder.IsFailed);
    }

    private void PrepareRecords(uint tick, int recordCount, ref bool missingBaseline, bool failed)
    {
        if (failed)
        {
            return;
        }

        foreach (var component in components)
        {
            component.EnsureCapacity(store.SlotBound + recordCount, recordCount);
        }

        for (int i = 0; i < recordCount; i++)
        {
            ref var record = ref records[i];
            record.Slot = store.Find(record.NetId);
            if (record.Full)
            {
                continue;
            }

            if (record.Slot < 0)
            {
                // Despawned by a newer snapshot that overtook this one: its retired history gives the types to read the
                // record by (it is then skipped as buried), rather than dropping the whole snapshot.
                record.Slot = store.FindRetired(record.NetId, tick);
            }

            // A delta carries the types of its newest baseline: exactly the types held at that tick.
            ulong mask = 0;
            if (record.Slot >= 0)
            {
                foreach (var component in components)
                {
                    if (component.HasValueAt(record.Slot, record.Baseline0))
                    {
                        mask |= 1UL << component.Type.Index;
                    }
                }
            }

            record.TypeMask = mask;
            missingBaseline |= mask == 0;
        }
    }
}
