using CsCheck;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// The entity list coded against a reference snapshot (TRKNET08, docs/PROTOCOL.md §10.1), as a codec: whatever the
/// overlap of the reference with the records, the despawns among them and the baseline shapes, both coders read back
/// exactly what was written when the reader holds the same reference, and refuse out-of-range input without throwing.
/// </summary>
public class EntityListCodingTests
{
    private const int TypeCount = 5;
    private const int ContextBase = 0;
    private static readonly int ContextCount = SnapshotFormat.HeaderContexts(TypeCount);

    [Fact]
    public void Any_entity_list_reads_back_as_written_with_both_coders()
    {
        Gen.Select(Gen.Int, Gen.Int[0, 120], Gen.Int[0, 120], Gen.Int[0, 100], Gen.Bool)
            .Sample((seed, referenceCount, recordCount, overlapPercent, useReference) =>
            {
                var random = new Random(seed);
                var list = RandomList(random, referenceCount, recordCount, overlapPercent, useReference);
                foreach (var coder in new[] { DeltaCoder.Static, DeltaCoder.Adaptive })
                {
                    var bytes = Encode(coder, list);
                    var decoded = Decode(coder, bytes, list.Tick, list.ReferenceAge, list.Reference, out bool failed);
                    Assert.False(failed, $"{coder}: a well-formed list failed to decode");
                    AssertSame(list, decoded);
                }
            }, iter: 400);
    }

    [Fact]
    public void A_list_read_against_a_shorter_reference_or_cut_short_is_refused_without_throwing()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 80], Gen.Int[0, 80]).Sample((seed, referenceCount, recordCount) =>
        {
            var random = new Random(seed);
            var list = RandomList(random, referenceCount, recordCount, 50, useReference: true);
            foreach (var coder in new[] { DeltaCoder.Static, DeltaCoder.Adaptive })
            {
                var bytes = Encode(coder, list);
                for (int cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 7))
                {
                    Decode(coder, bytes[..cut], list.Tick, list.ReferenceAge, list.Reference, out _);
                }

                // Against a reference without its last entry, the list reads the same up to the removed indices: one
                // naming that entry is past the end and must be refused.
                bool lastRemoved = !list.Records.Any(r => r.NetId == list.Reference[^1]);
                Decode(coder, bytes, list.Tick, list.ReferenceAge, list.Reference[..^1], out bool failed);
                Assert.True(!lastRemoved || failed, $"{coder}: an index past the reference was accepted");
            }
        }, iter: 200);
    }

    [Fact]
    public void Steady_membership_costs_one_flag_per_entity_with_the_static_code()
    {
        // 40 entities in the reference, the same 40 sent again with the shape the members' default predicts
        // (baselines: the reference and the two ticks before it): the whole list is the reference age, three zero
        // counts and one flag per entity.
        uint tick = 1000;
        int age = 6;
        var reference = Enumerable.Range(0, 40).Select(i => (uint)(3 + (i * 7))).ToArray();
        var records = reference.Select(id => new SnapshotRecord
        {
            NetId = id,
            BaselineCount = 3,
            Baseline0 = tick - (uint)age,
            Baseline1 = tick - (uint)age - 1,
            Baseline2 = tick - (uint)age - 2,
        }).ToArray();
        var list = new TestList(tick, age, reference, records, []);
        var bytes = Encode(DeltaCoder.Static, list, out long bits);
        Assert.Equal(7 + 1 + 1 + 1 + 40, bits); // age 6: zig-zag 12, bucket 4 (4 + 3 bits)
        AssertSame(list, Decode(DeltaCoder.Static, bytes, tick, age, reference, out bool failed));
        Assert.False(failed);
    }

    internal sealed record TestList(uint Tick, int ReferenceAge, uint[] Reference, SnapshotRecord[] Records, uint[] Despawns);

    internal sealed record Decoded(SnapshotRecord[] Records, uint[] Despawns);

    private static TestList RandomList(Random random, int referenceCount, int recordCount, int overlapPercent, bool useReference)
    {
        uint tick = (uint)random.Next(100, int.MaxValue);
        var ids = new SortedSet<uint>();
        uint next = (uint)random.Next(1, 50);
        while (ids.Count < referenceCount)
        {
            ids.Add(next);
            next += (uint)(random.Next(4) == 0 ? random.Next(1, 5000) : random.Next(1, 4));
        }

        var reference = useReference ? ids.ToArray() : [];
        var recordIds = new SortedSet<uint>(reference.Where(_ => random.Next(100) < overlapPercent));
        while (recordIds.Count < recordCount)
        {
            recordIds.Add((uint)random.Next(1, 20000));
        }

        // Despawns: some of the reference's missing entities and some unrelated ids, never one in the records.
        var despawns = new SortedSet<uint>(reference.Where(id => !recordIds.Contains(id) && random.Next(3) == 0));
        for (int i = random.Next(0, 10); i > 0; i--)
        {
            uint id = (uint)random.Next(1, 30000);
            if (!recordIds.Contains(id))
            {
                despawns.Add(id);
            }
        }

        int age = useReference ? random.Next(1, SnapshotFormat.MaxReferenceAge) : 0;
        var shapes = new[] { (3, age, 1, 1), (2, age, 2, 0), (1, age + 3, 0, 0), (3, 1 + random.Next(60), 1 + random.Next(3), 1 + random.Next(3)) };
        var records = recordIds.Select(id =>
        {
            var record = new SnapshotRecord { NetId = id, Full = random.Next(4) == 0 };
            if (record.Full)
            {
                record.TypeMask = (ulong)random.Next(1, 1 << TypeCount);
            }
            else
            {
                var (count, shapeAge, gap1, gap2) = shapes[random.Next(shapes.Length)];
                new BaselineShape(count, Math.Max(1, shapeAge), gap1, gap2).ApplyTo(ref record, tick);
            }

            return record;
        }).ToArray();
        return new TestList(tick, age, reference, records, despawns.ToArray());
    }

    private static byte[] Encode(DeltaCoder coder, TestList list) => Encode(coder, list, out _);

    private static byte[] Encode(DeltaCoder coder, TestList list, out long bits)
    {
        var buffer = new byte[64 * 1024];
        var records = list.Records.ToArray();
        if (coder == DeltaCoder.Static)
        {
            var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
            SnapshotBody.WriteHeader(ref encoder, ContextBase, list.Tick, list.ReferenceAge, list.Reference, list.Despawns, records, TypeCount);
            Assert.False(encoder.IsOverflowed);
            bits = encoder.Writer.BitsWritten;
            return buffer[..encoder.Writer.BytesWritten];
        }

        var models = new ushort[AdaptiveModels.Size(ContextCount)];
        var adaptive = new AdaptiveDeltaEncoder(buffer, models);
        SnapshotBody.WriteHeader(ref adaptive, ContextBase, list.Tick, list.ReferenceAge, list.Reference, list.Despawns, records, TypeCount);
        bits = (long)adaptive.ApproximateBits;
        int length = adaptive.Finish();
        Assert.True(length >= 0);
        return buffer[..length];
    }

    private static Decoded Decode(DeltaCoder coder, byte[] bytes, uint tick, int expectedAge, uint[] reference, out bool failed)
    {
        var despawns = new List<uint>();
        var records = new SnapshotRecord[4];
        var removed = Array.Empty<bool>();
        var added = Array.Empty<uint>();
        int count;
        if (coder == DeltaCoder.Static)
        {
            var decoder = new StaticDeltaDecoder(new BitReader(bytes));
            int age = SnapshotBody.ReadReferenceAge(ref decoder, ContextBase);
            Assert.True(decoder.IsFailed || age == expectedAge || bytes.Length == 0);
            SnapshotBody.ReadHeader(ref decoder, ContextBase, tick, age, age > 0 ? reference : [], despawns, ref records, out count, TypeCount, ref removed, ref added);
            failed = decoder.IsFailed;
        }
        else
        {
            var models = new ushort[AdaptiveModels.Size(ContextCount)];
            var decoder = new AdaptiveDeltaDecoder(bytes, models);
            int age = SnapshotBody.ReadReferenceAge(ref decoder, ContextBase);
            SnapshotBody.ReadHeader(ref decoder, ContextBase, tick, age, age > 0 ? reference : [], despawns, ref records, out count, TypeCount, ref removed, ref added);
            failed = decoder.IsFailed;
        }

        return new Decoded(records[..count], despawns.ToArray());
    }

    private static void AssertSame(TestList list, Decoded decoded)
    {
        Assert.Equal(list.Records.Select(r => r.NetId), decoded.Records.Select(r => r.NetId));
        Assert.Equal(list.Despawns.Order(), decoded.Despawns.Order());
        var referenceIds = list.Reference.ToHashSet();
        for (int i = 0; i < list.Records.Length; i++)
        {
            var expected = list.Records[i];
            var actual = decoded.Records[i];
            Assert.Equal(referenceIds.Contains(expected.NetId), actual.Member);
            Assert.Equal(expected.Full, actual.Full);
            if (expected.Full)
            {
                Assert.Equal(expected.TypeMask, actual.TypeMask);
            }
            else
            {
                Assert.Equal(
                    (expected.BaselineCount, expected.Baseline0, expected.Baseline1, expected.Baseline2),
                    (actual.BaselineCount, actual.Baseline0, actual.Baseline1, actual.Baseline2));
            }
        }
    }
}
