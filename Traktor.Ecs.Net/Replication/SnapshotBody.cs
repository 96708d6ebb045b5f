using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// The entity-list part of a snapshot body, written and read through the same entropy coder as the
/// component sections (docs/PROTOCOL.md, "Snapshots"). Network ids are strictly increasing, so they
/// travel as small positive gaps; baseline ticks as ages.
/// </summary>
internal static class SnapshotBody
{
    public static void WriteHeader<TEncoder>(
        ref TEncoder encoder, int contextBase, uint tick, ReadOnlySpan<uint> despawns, ReadOnlySpan<SnapshotRecord> records, int typeCount)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        encoder.WriteDelta(despawns.Length, contextBase + SnapshotFormat.ContextDespawnCount);
        uint previous = 0;
        foreach (uint netId in despawns)
        {
            encoder.WriteDelta(unchecked((int)(netId - previous)), contextBase + SnapshotFormat.ContextDespawnId);
            previous = netId;
        }

        encoder.WriteDelta(records.Length, contextBase + SnapshotFormat.ContextRecordCount);
        previous = 0;
        var last = BaselineShape.None;
        foreach (ref readonly var record in records)
        {
            encoder.WriteDelta(unchecked((int)(record.NetId - previous)), contextBase + SnapshotFormat.ContextRecordId);
            previous = record.NetId;
            encoder.WriteFlag(record.Full, contextBase + SnapshotFormat.ContextFull);
            if (!record.Full)
            {
                // Entities sent together are acknowledged together: their baselines mostly repeat the
                // previous record's, so each number travels as the difference from it (usually 0).
                var shape = BaselineShape.Of(in record, tick);
                encoder.WriteDelta(shape.Count - last.Count, contextBase + SnapshotFormat.ContextBaselineCount);
                encoder.WriteDelta(shape.Age - last.Age, contextBase + SnapshotFormat.ContextBaselineAge);
                if (shape.Count > 1)
                {
                    encoder.WriteDelta(shape.Gap1 - last.Gap1, contextBase + SnapshotFormat.ContextBaselineGap);
                }

                if (shape.Count > 2)
                {
                    encoder.WriteDelta(shape.Gap2 - last.Gap2, contextBase + SnapshotFormat.ContextBaselineGap);
                }

                last = shape;
            }

            if (record.Full)
            {
                // A delta's types are those of its baseline, which the client holds: only spawns say them.
                for (int type = 0; type < typeCount; type++)
                {
                    encoder.WriteFlag((record.TypeMask & (1UL << type)) != 0, contextBase + SnapshotFormat.ContextTypeFlags + type);
                }
            }
        }
    }

    /// <summary>
    /// Reads the despawn list and the records' headers, validating every count, gap and age. On any
    /// violation the decoder is failed; the caller checks <see cref="IDeltaDecoder.IsFailed"/> once.
    /// </summary>
    public static void ReadHeader<TDecoder>(
        ref TDecoder decoder, int contextBase, uint tick, List<uint> despawns, ref SnapshotRecord[] records, out int recordCount, int typeCount)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        recordCount = 0;
        int despawnCount = decoder.ReadDelta(contextBase + SnapshotFormat.ContextDespawnCount);
        if (despawnCount < 0 || despawnCount > SnapshotFormat.MaxDespawns)
        {
            decoder.Fail();
            return;
        }

        uint previous = 0;
        for (int i = 0; i < despawnCount && !decoder.IsFailed; i++)
        {
            int gap = decoder.ReadDelta(contextBase + SnapshotFormat.ContextDespawnId);
            if (gap <= 0)
            {
                decoder.Fail();
                return;
            }

            previous += (uint)gap;
            despawns.Add(previous);
        }

        int count = decoder.ReadDelta(contextBase + SnapshotFormat.ContextRecordCount);
        if (decoder.IsFailed || count < 0 || count > SnapshotFormat.MaxRecords)
        {
            decoder.Fail();
            return;
        }

        if (records.Length < count)
        {
            Array.Resize(ref records, Math.Max(count, records.Length * 2));
        }

        previous = 0;
        var last = BaselineShape.None;
        for (int i = 0; i < count && !decoder.IsFailed; i++)
        {
            ref var record = ref records[i];
            int gap = decoder.ReadDelta(contextBase + SnapshotFormat.ContextRecordId);
            if (gap <= 0)
            {
                decoder.Fail();
                return;
            }

            previous += (uint)gap;
            record.NetId = previous;
            record.Slot = -1;
            record.Full = decoder.ReadFlag(contextBase + SnapshotFormat.ContextFull);
            record.BaselineCount = 0;
            if (!record.Full)
            {
                // Mirrors BaselineShape.Of: unused gaps are 0, so both ends carry the same "last".
                int baselines = last.Count + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineCount);
                int age = last.Age + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineAge);
                int gap1 = baselines > 1 ? last.Gap1 + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineGap) : 0;
                int gap2 = baselines > 2 ? last.Gap2 + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineGap) : 0;
                var shape = new BaselineShape(baselines, age, gap1, gap2);

                if (!shape.IsValid)
                {
                    decoder.Fail();
                    return;
                }

                shape.ApplyTo(ref record, tick);
                last = shape;
            }

            ulong mask = 0;
            if (record.Full)
            {
                for (int type = 0; type < typeCount; type++)
                {
                    if (decoder.ReadFlag(contextBase + SnapshotFormat.ContextTypeFlags + type))
                    {
                        mask |= 1UL << type;
                    }
                }
            }

            record.TypeMask = mask; // a delta's types are filled in from its baseline by the caller
        }

        recordCount = count;
    }
}
