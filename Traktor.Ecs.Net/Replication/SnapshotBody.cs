using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// The entity-list part of a snapshot body, written and read through the same entropy coder as the
/// component sections (docs/PROTOCOL.md §10.1). The list is coded against a reference: the network ids of an
/// earlier snapshot the server knows the client applied. Entities that move keep appearing in every
/// snapshot, so the list says only which of the reference's entities are missing and which ids are new; an entity
/// that is in both costs one flag, and less through the adaptive coder. Without a reference every id is new.
/// </summary>
internal static partial class SnapshotBody
{
    /// <summary>
    /// Writes the entity list. <paramref name="records"/> are sorted by network id; their <see cref="SnapshotRecord.Member"/>
    /// is set here. <paramref name="reference"/> (sorted) is used when <paramref name="referenceAge"/> &gt; 0.
    /// </summary>
    public static void WriteHeader<TEncoder>(
        ref TEncoder encoder, int contextBase, uint tick, int referenceAge, ReadOnlySpan<uint> reference,
        ReadOnlySpan<uint> despawns, Span<SnapshotRecord> records, int typeCount)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        if (referenceAge <= 0)
        {
            referenceAge = 0;
            reference = default;
        }

        int kept = MarkMembers(records, reference);
        encoder.WriteDelta(referenceAge, contextBase + SnapshotFormat.ContextReferenceAge);
        int flagged = 0;
        if (referenceAge > 0)
        {
            // The reference's entities missing from this snapshot, by their index in it; a despawn among them is
            // a flag on its entry, cheaper than its id.
            encoder.WriteDelta(reference.Length - kept, contextBase + SnapshotFormat.ContextRemovedCount);
            int previous = -1;
            int r = 0;
            int d = 0;
            for (int i = 0; i < reference.Length; i++)
            {
                uint id = reference[i];
                if (Contains(records, ref r, id))
                {
                    continue;
                }

                encoder.WriteDelta(i - previous - 1, contextBase + SnapshotFormat.ContextRemovedGap);
                previous = i;
                bool despawned = Contains(despawns, ref d, id);
                encoder.WriteFlag(despawned, contextBase + SnapshotFormat.ContextRemovedDespawn);
                flagged += despawned ? 1 : 0;
            }
        }

        encoder.WriteDelta(despawns.Length - flagged, contextBase + SnapshotFormat.ContextDespawnCount);
        uint last = 0;
        int inReference = 0;
        int inRecords = 0;
        foreach (uint netId in despawns)
        {
            if (Contains(reference, ref inReference, netId) && !Contains(records, ref inRecords, netId))
            {
                continue; // flagged on its reference entry
            }

            encoder.WriteDelta(unchecked((int)(netId - last)), contextBase + SnapshotFormat.ContextDespawnId);
            last = netId;
        }

        encoder.WriteDelta(records.Length - kept, contextBase + SnapshotFormat.ContextAddedCount);
        last = 0;
        foreach (ref readonly var record in records)
        {
            if (!record.Member)
            {
                encoder.WriteDelta(unchecked((int)(record.NetId - last)), contextBase + SnapshotFormat.ContextAddedId);
                last = record.NetId;
            }
        }

        WriteKinds(ref encoder, contextBase, tick, referenceAge, records, typeCount);
    }

    /// <summary>
    /// Whether coding against the reference is estimated to cost fewer bits than naming every id (static code
    /// lengths; the adaptive coder follows them closely enough to choose). A snapshot that shares few entities with its
    /// reference (a large world sent a changing subset at a time) names them all instead.
    /// </summary>
    public static bool ReferencePays(ReadOnlySpan<uint> reference, ReadOnlySpan<SnapshotRecord> records)
    {
        long without = StaticBits(records.Length);
        uint last = 0;
        foreach (ref readonly var record in records)
        {
            without += StaticBits(unchecked((int)(record.NetId - last))) + 1;
            last = record.NetId;
        }

        long with = StaticBits(1);
        int kept = 0;
        int previous = -1;
        int r = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            if (Contains(records, ref r, reference[i]))
            {
                kept++;
                continue;
            }

            with += StaticBits(i - previous - 1) + 1;
            previous = i;
        }

        with += StaticBits(reference.Length - kept) + StaticBits(records.Length - kept);
        int inReference = 0;
        last = 0;
        foreach (ref readonly var record in records)
        {
            if (Contains(reference, ref inReference, record.NetId))
            {
                continue;
            }

            with += StaticBits(unchecked((int)(record.NetId - last))) + 1;
            last = record.NetId;
        }

        return with < without;
    }

    private static void WriteKinds<TEncoder>(
        ref TEncoder encoder, int contextBase, uint tick, int referenceAge, ReadOnlySpan<SnapshotRecord> records, int typeCount)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        // Entities of the reference were acknowledged in it, so their newest baseline is mostly the reference itself
        // and the older ones the two ticks before: that is the first prediction; after it, the previous record's.
        var lastMember = InitialMemberShape(referenceAge);
        var lastAdded = BaselineShape.None;
        foreach (ref readonly var record in records)
        {
            var shape = record.Full ? default : BaselineShape.Of(in record, tick);
            if (record.Member)
            {
                bool isDefault = !record.Full && shape == lastMember;
                encoder.WriteFlag(isDefault, contextBase + SnapshotFormat.ContextMemberDefault);
                if (isDefault)
                {
                    continue;
                }

                encoder.WriteFlag(record.Full, contextBase + SnapshotFormat.ContextMemberFull);
                if (!record.Full)
                {
                    WriteShape(ref encoder, contextBase, shape, lastMember);
                    lastMember = shape;
                }
            }
            else
            {
                encoder.WriteFlag(record.Full, contextBase + SnapshotFormat.ContextAddedFull);
                if (!record.Full)
                {
                    bool same = shape == lastAdded;
                    encoder.WriteFlag(same, contextBase + SnapshotFormat.ContextAddedSameShape);
                    if (!same)
                    {
                        WriteShape(ref encoder, contextBase, shape, lastAdded);
                        lastAdded = shape;
                    }
                }
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

    /// <summary>A delta's baseline shape as differences from the previous one (the numbers mostly repeat).</summary>
    private static void WriteShape<TEncoder>(ref TEncoder encoder, int contextBase, BaselineShape shape, BaselineShape last)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
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
    }

    private static BaselineShape InitialMemberShape(int referenceAge) => new(3, referenceAge, 1, 1);

    /// <summary>Marks the records whose ids are in <paramref name="reference"/>; returns how many are.</summary>
    private static int MarkMembers(Span<SnapshotRecord> records, ReadOnlySpan<uint> reference)
    {
        int kept = 0;
        int r = 0;
        foreach (ref var record in records)
        {
            record.Member = Contains(reference, ref r, record.NetId);
            kept += record.Member ? 1 : 0;
        }

        return kept;
    }

    /// <summary>
    /// Whether sorted <paramref name="ids"/> holds <paramref name="id"/>, advancing <paramref name="position"/> past the
    /// smaller ids: called with increasing ids, a whole pass costs one walk over the list.
    /// </summary>
    private static bool Contains(ReadOnlySpan<uint> ids, ref int position, uint id)
    {
        while (position < ids.Length && ids[position] < id)
        {
            position++;
        }

        return position < ids.Length && ids[position] == id;
    }

    private static bool Contains(ReadOnlySpan<SnapshotRecord> records, ref int position, uint id)
    {
        while (position < records.Length && records[position].NetId < id)
        {
            position++;
        }

        return position < records.Length && records[position].NetId == id;
    }

    /// <summary>
    /// The size of a despawn list of <paramref name="sorted"/> ids by the static code lengths (none flagged on a reference
    /// entry, so at most what it costs): the count and each id's gap from the one before.
    /// </summary>
    public static long DespawnListBits(ReadOnlySpan<uint> sorted)
    {
        long bits = StaticBits(sorted.Length);
        uint last = 0;
        foreach (uint netId in sorted)
        {
            bits += StaticBits(unchecked((int)(netId - last)));
            last = netId;
        }

        return bits;
    }

    /// <summary>
    /// How many of <paramref name="ids"/> (unsorted), taken from the front, should fit <paramref name="budgetBits"/> once
    /// sorted, without sorting them: a prefix of n ids spanning min…max costs the count, the first id, and n − 1 gaps
    /// that add up to max − min, each costed at 1.25 times the average gap (a bucket edge just above the average would
    /// make the gaps past it cost more than the average's code). A code length grows about with the gap's logarithm, so
    /// spreading the same range unevenly costs no more; the caller measures the sorted list afterwards. One pass, no sort.
    /// </summary>
    public static int DespawnsWithin(ReadOnlySpan<uint> ids, double budgetBits)
    {
        if (ids.IsEmpty)
        {
            return 0;
        }

        // All of them, most often (a client not far behind): one pass for the range, one estimate.
        uint min = uint.MaxValue;
        uint max = 0;
        foreach (uint id in ids)
        {
            min = Math.Min(min, id);
            max = Math.Max(max, id);
        }

        int countBits = StaticBits(ids.Length); // the count's code, at its largest: a few bits either way
        if (Estimate(ids.Length, min, max, countBits) <= budgetBits)
        {
            return ids.Length;
        }

        min = max = ids[0];
        int fit = 1;
        for (int n = 2; n <= ids.Length; n++)
        {
            uint id = ids[n - 1];
            min = Math.Min(min, id);
            max = Math.Max(max, id);
            if (Estimate(n, min, max, countBits) > budgetBits)
            {
                break;
            }

            fit = n;
        }

        return fit;

        static long Estimate(int n, uint min, uint max, int countBits)
        {
            long averageGap = n == 1 ? 0 : ((long)(max - min) + n - 2) / (n - 1);
            // Each gap costed at 1.25 times the average: a code's length steps up at bucket edges, and with the average
            // just below one, the gaps above it cost a step more than the average's code (found: 863 ids spread up to 1,450
            // apart cost 14,582 bits where the average's code said 13,879). 1.5 times would leave up to 40 % of the room unused.
            long costedGap = Math.Min(averageGap + (averageGap / 4), int.MaxValue);
            return countBits + StaticBits(unchecked((int)min)) + ((n - 1) * (long)StaticBits((int)costedGap));
        }
    }

    /// <summary>The static prefix code's length for a residual (bucket code and offset bits).</summary>
    private static int StaticBits(int delta)
    {
        int bucket = DeltaBuckets.BucketOf(ZigZag.Encode(delta));
        return StaticPrefixCode.Length(bucket) + DeltaBuckets.OffsetBits(bucket);
    }
}
