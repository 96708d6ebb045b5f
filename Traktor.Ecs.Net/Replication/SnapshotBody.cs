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
        foreach (ref readonly var record in records)
        {
            encoder.WriteDelta(unchecked((int)(record.NetId - previous)), contextBase + SnapshotFormat.ContextRecordId);
            previous = record.NetId;
            encoder.WriteFlag(record.Full, contextBase + SnapshotFormat.ContextFull);
            if (!record.Full)
            {
                encoder.WriteDelta(record.BaselineCount - 1, contextBase + SnapshotFormat.ContextBaselineCount);
                encoder.WriteDelta(unchecked((int)(tick - record.Baseline0)), contextBase + SnapshotFormat.ContextBaselineAge);
                if (record.BaselineCount > 1)
                {
                    encoder.WriteDelta(unchecked((int)(record.Baseline0 - record.Baseline1)), contextBase + SnapshotFormat.ContextBaselineGap);
                }

                if (record.BaselineCount > 2)
                {
                    encoder.WriteDelta(unchecked((int)(record.Baseline1 - record.Baseline2)), contextBase + SnapshotFormat.ContextBaselineGap);
                }
            }

            for (int type = 0; type < typeCount; type++)
            {
                encoder.WriteFlag((record.TypeMask & (1UL << type)) != 0, contextBase + SnapshotFormat.ContextTypeFlags + type);
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
                int baselines = decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineCount) + 1;
                int age = decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineAge);
                if (baselines < 1 || baselines > 3 || age <= 0)
                {
                    decoder.Fail();
                    return;
                }

                record.BaselineCount = (byte)baselines;
                record.Baseline0 = tick - (uint)age;
                record.Baseline1 = record.Baseline0;
                record.Baseline2 = record.Baseline0;
                if (baselines > 1)
                {
                    record.Baseline1 = ReadOlder(ref decoder, contextBase, record.Baseline0);
                    record.Baseline2 = record.Baseline1;
                }

                if (baselines > 2)
                {
                    record.Baseline2 = ReadOlder(ref decoder, contextBase, record.Baseline1);
                }
            }

            ulong mask = 0;
            for (int type = 0; type < typeCount; type++)
            {
                if (decoder.ReadFlag(contextBase + SnapshotFormat.ContextTypeFlags + type))
                {
                    mask |= 1UL << type;
                }
            }

            record.TypeMask = mask;
        }

        recordCount = count;
    }

    private static uint ReadOlder<TDecoder>(ref TDecoder decoder, int contextBase, uint newer)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        int gap = decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineGap);
        if (gap <= 0)
        {
            decoder.Fail();
        }

        return newer - (uint)gap;
    }
}
