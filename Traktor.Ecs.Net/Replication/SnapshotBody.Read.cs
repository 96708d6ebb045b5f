using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication;

/// <summary>Reading the entity list: the mirror of the writer, validating every count, index, gap and age.</summary>
internal static partial class SnapshotBody
{
    /// <summary>
    /// Reads the reference age, the first field of the body: 0 = no reference, else the entity list is coded against
    /// the snapshot of tick − age, which the caller looks up before <see cref="ReadHeader"/>. Out of range fails the decoder.
    /// </summary>
    public static int ReadReferenceAge<TDecoder>(ref TDecoder decoder, int contextBase)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        int age = decoder.ReadDelta(contextBase + SnapshotFormat.ContextReferenceAge);
        if (age < 0 || age >= SnapshotFormat.ClientHistoryTicks)
        {
            decoder.Fail();
            return 0;
        }

        return age;
    }

    /// <summary>
    /// Reads the despawn list and the records' headers after <see cref="ReadReferenceAge"/>, validating every count,
    /// index, gap and age; <paramref name="reference"/> is the referenced snapshot's ids (empty for age 0). On any
    /// violation the decoder is failed; the caller checks <see cref="IDeltaDecoder.IsFailed"/> once. The scratch
    /// arrays grow to the largest lists seen (bounded by the protocol's limits).
    /// </summary>
    public static void ReadHeader<TDecoder>(
        ref TDecoder decoder, int contextBase, uint tick, int referenceAge, ReadOnlySpan<uint> reference,
        List<uint> despawns, ref SnapshotRecord[] records, out int recordCount, int typeCount,
        ref bool[] removedScratch, ref uint[] addedScratch)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        recordCount = 0;
        int kept = reference.Length;
        if (referenceAge > 0)
        {
            if (removedScratch.Length < reference.Length)
            {
                removedScratch = new bool[Math.Max(reference.Length, removedScratch.Length * 2)];
            }

            var removed = removedScratch.AsSpan(0, reference.Length);
            removed.Clear();
            int count = decoder.ReadDelta(contextBase + SnapshotFormat.ContextRemovedCount);
            if (count < 0 || count > reference.Length)
            {
                decoder.Fail();
                return;
            }

            int index = -1;
            for (int i = 0; i < count && !decoder.IsFailed; i++)
            {
                int gap = decoder.ReadDelta(contextBase + SnapshotFormat.ContextRemovedGap);
                if (gap < 0 || gap >= reference.Length - index - 1)
                {
                    decoder.Fail();
                    return;
                }

                index += gap + 1;
                removed[index] = true;
                if (decoder.ReadFlag(contextBase + SnapshotFormat.ContextRemovedDespawn))
                {
                    despawns.Add(reference[index]);
                }
            }

            kept -= count;
        }

        int despawnCount = decoder.ReadDelta(contextBase + SnapshotFormat.ContextDespawnCount);
        if (decoder.IsFailed || despawnCount < 0 || despawnCount > SnapshotFormat.MaxDespawns)
        {
            decoder.Fail();
            return;
        }

        uint previous = 0;
        for (int i = 0; i < despawnCount && !decoder.IsFailed; i++)
        {
            if (!TryReadId(ref decoder, contextBase + SnapshotFormat.ContextDespawnId, ref previous))
            {
                return;
            }

            despawns.Add(previous);
        }

        int added = decoder.ReadDelta(contextBase + SnapshotFormat.ContextAddedCount);
        if (decoder.IsFailed || added < 0 || added > SnapshotFormat.MaxRecords - kept)
        {
            decoder.Fail();
            return;
        }

        if (addedScratch.Length < added)
        {
            addedScratch = new uint[Math.Max(added, addedScratch.Length * 2)];
        }

        previous = 0;
        for (int i = 0; i < added && !decoder.IsFailed; i++)
        {
            if (!TryReadId(ref decoder, contextBase + SnapshotFormat.ContextAddedId, ref previous))
            {
                return;
            }

            addedScratch[i] = previous;
        }

        if (decoder.IsFailed)
        {
            return;
        }

        int total = kept + added;
        if (records.Length < total)
        {
            Array.Resize(ref records, Math.Max(total, records.Length * 2));
        }

        if (!Merge(reference, referenceAge > 0 ? removedScratch : [], addedScratch.AsSpan(0, added), records))
        {
            decoder.Fail();
            return;
        }

        ReadKinds(ref decoder, contextBase, tick, referenceAge, records.AsSpan(0, total), typeCount);
        recordCount = decoder.IsFailed ? 0 : total;
    }

    /// <summary>A strictly increasing id as its gap from the previous one (&gt; 0, without wrapping).</summary>
    private static bool TryReadId<TDecoder>(ref TDecoder decoder, int context, ref uint previous)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        int gap = decoder.ReadDelta(context);
        if (gap <= 0 || previous > uint.MaxValue - (uint)gap)
        {
            decoder.Fail();
            return false;
        }

        previous += (uint)gap;
        return true;
    }

    /// <summary>
    /// The records in id order: the reference's entries not removed (members) and the added ids. An added id that is
    /// in the reference at all is malformed (the writer codes such an entity as a member).
    /// </summary>
    private static bool Merge(ReadOnlySpan<uint> reference, ReadOnlySpan<bool> removed, ReadOnlySpan<uint> added, Span<SnapshotRecord> records)
    {
        int r = 0;
        int a = 0;
        int count = 0;
        while (r < reference.Length || a < added.Length)
        {
            bool takeReference = a == added.Length || (r < reference.Length && reference[r] < added[a]);
            if (!takeReference && r < reference.Length && reference[r] == added[a])
            {
                return false;
            }

            if (takeReference)
            {
                if (!removed[r])
                {
                    Start(ref records[count++], reference[r], member: true);
                }

                r++;
            }
            else
            {
                Start(ref records[count++], added[a++], member: false);
            }
        }

        return true;

        static void Start(ref SnapshotRecord record, uint netId, bool member)
        {
            record.NetId = netId;
            record.Member = member;
            record.Slot = -1;
            record.BaselineCount = 0;
            record.TypeMask = 0;
        }
    }

    private static void ReadKinds<TDecoder>(
        ref TDecoder decoder, int contextBase, uint tick, int referenceAge, Span<SnapshotRecord> records, int typeCount)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        var lastMember = InitialMemberShape(referenceAge);
        var lastAdded = BaselineShape.None;
        for (int i = 0; i < records.Length && !decoder.IsFailed; i++)
        {
            ref var record = ref records[i];
            BaselineShape shape;
            if (record.Member)
            {
                if (decoder.ReadFlag(contextBase + SnapshotFormat.ContextMemberDefault))
                {
                    record.Full = false;
                    shape = lastMember;
                }
                else
                {
                    record.Full = decoder.ReadFlag(contextBase + SnapshotFormat.ContextMemberFull);
                    shape = record.Full ? default : ReadShape(ref decoder, contextBase, lastMember);
                    lastMember = record.Full ? lastMember : shape;
                }
            }
            else
            {
                record.Full = decoder.ReadFlag(contextBase + SnapshotFormat.ContextAddedFull);
                shape = record.Full || decoder.ReadFlag(contextBase + SnapshotFormat.ContextAddedSameShape)
                    ? lastAdded
                    : ReadShape(ref decoder, contextBase, lastAdded);
                lastAdded = record.Full ? lastAdded : shape;
            }

            if (!record.Full)
            {
                if (!shape.IsValid)
                {
                    decoder.Fail();
                    return;
                }

                shape.ApplyTo(ref record, tick);
                continue; // a delta's types are filled in from its baseline by the caller
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
    }

    /// <summary>Mirrors <see cref="WriteShape"/>: unused gaps are 0, so both ends carry the same previous shape.</summary>
    private static BaselineShape ReadShape<TDecoder>(ref TDecoder decoder, int contextBase, BaselineShape last)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        int baselines = last.Count + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineCount);
        int age = last.Age + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineAge);
        int gap1 = baselines > 1 ? last.Gap1 + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineGap) : 0;
        int gap2 = baselines > 2 ? last.Gap2 + decoder.ReadDelta(contextBase + SnapshotFormat.ContextBaselineGap) : 0;
        return new BaselineShape(baselines, age, gap1, gap2);
    }
}
