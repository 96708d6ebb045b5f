using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Tests.Generators;

/// <summary>Round trips through serializers the real analyzer generated for <see cref="TestComponents"/>-style structs.</summary>
public class GeneratedSerializerTests
{
    private static readonly Gen<Vector3> Position = Gen.Select(Gen.Float[-256f, 256f], Gen.Float[-256f, 256f], Gen.Float[-256f, 256f], (x, y, z) => new Vector3(x, y, z));
    private static readonly Gen<Vector3> Velocity = Gen.Select(Gen.Float[-1000f, 1000f], Gen.Float[-1000f, 1000f], Gen.Float[-1000f, 1000f], (x, y, z) => new Vector3(x, y, z));
    private static readonly Gen<Quaternion> Rotation = Gen.Select(Gen.Float[-1f, 1f], Gen.Float[-1f, 1f], Gen.Float[-1f, 1f], Gen.Float[0.1f, 1f], (x, y, z, w) => Quaternion.Normalize(new Quaternion(x, y, z, w)));

    internal static readonly Gen<TestTransform> Transforms = Gen.Select(Position, Rotation, Velocity, Gen.Int, (p, r, v, local) => new TestTransform { Position = p, Rotation = r, Velocity = v, LocalOnly = local });

    internal static readonly Gen<TestStatus> Statuses =
        from health in Gen.Int
        from alive in Gen.Bool
        from team in Gen.Enum<TestTeam>()
        from armor in Gen.Short
        from score in Gen.UInt
        from signed in Gen.Int
        from ticks in Gen.Long
        from precise in Gen.Double
        from raw in Gen.UInt
        from throttle in Gen.Float[-1f, 1f]
        from small in Gen.SByte[-16, 15]
        from target in Gen.UInt
        from name in Gen.String
        select new TestStatus
        {
            Health = health, Alive = alive, Team = team, Armor = armor, Score = score, Signed = signed, Ticks = ticks,
            Precise = precise, Raw = BitConverter.UInt32BitsToSingle(raw), Throttle = throttle, Small = small,
            Target = new NetworkId(target), Name = new FixedString32(name),
        };

    [Fact]
    public void Transform_full_round_trip_stays_within_declared_precision_and_keeps_local_fields()
    {
        Transforms.Sample(original =>
        {
            TestTransformSerializer.Quantize(original, out var snapshot);
            var buffer = new byte[64];
            var writer = new BitWriter(buffer);
            TestTransformSerializer.WriteFull(ref writer, snapshot);
            Assert.False(writer.IsOverflowed);
            Assert.True(writer.BitsWritten <= TestTransformSerializer.MaxFullBits);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            TestTransformSerializer.ReadFull(ref reader, out var decoded);
            Assert.False(reader.IsFailed);
            Assert.True(TestTransformSerializer.SnapshotEquals(snapshot, decoded));

            var result = new TestTransform { LocalOnly = 1234 };
            TestTransformSerializer.Dequantize(decoded, ref result);
            Assert.Equal(1234, result.LocalOnly);
            Assert.True(Vector3.Distance(original.Position, result.Position) <= 0.002f * 0.5f * MathF.Sqrt(3) + 1e-4f);
            Assert.True(Vector3.Distance(original.Velocity, result.Velocity) <= 0.01f * 0.5f * MathF.Sqrt(3) + 1e-3f);
            Assert.True(Math.Abs(Quaternion.Dot(original.Rotation, result.Rotation)) > 0.99999f - 1e-4f);
        }, iter: 2000);
    }

    [Fact]
    public void Status_full_round_trip_keeps_exact_fields_exact_and_clamps_ranges()
    {
        Statuses.Sample(original =>
        {
            TestStatusSerializer.Quantize(original, out var snapshot);
            var buffer = new byte[128];
            var writer = new BitWriter(buffer);
            TestStatusSerializer.WriteFull(ref writer, snapshot);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            TestStatusSerializer.ReadFull(ref reader, out var decoded);
            Assert.False(reader.IsFailed);
            var result = default(TestStatus);
            TestStatusSerializer.Dequantize(decoded, ref result);
            Assert.Equal(Math.Clamp(original.Health, 0, 100), result.Health);
            Assert.Equal(original.Alive, result.Alive);
            Assert.Equal(original.Team, result.Team);
            Assert.Equal(original.Armor, result.Armor);
            Assert.Equal(original.Score, result.Score);
            Assert.Equal(original.Signed, result.Signed);
            Assert.Equal(original.Ticks, result.Ticks);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(original.Precise), BitConverter.DoubleToUInt64Bits(result.Precise));
            Assert.Equal(BitConverter.SingleToUInt32Bits(original.Raw), BitConverter.SingleToUInt32Bits(result.Raw));
            Assert.True(Math.Abs(original.Throttle - result.Throttle) <= 1f / 4095f + 1e-6f);
            Assert.Equal(original.Small, result.Small);
            Assert.Equal(original.Target, result.Target);
            Assert.Equal(original.Name, result.Name);
        }, iter: 2000);
    }

    [Fact]
    public void Delta_round_trips_against_predicted_baselines_with_both_coders()
    {
        Gen.Select(Transforms.Array[4], Gen.Int[1, 8]).Sample((states, gap) =>
        {
            Span<TestTransformSnapshot> snapshots = stackalloc TestTransformSnapshot[4];
            for (int i = 0; i < 4; i++)
            {
                TestTransformSerializer.Quantize(states[i], out snapshots[i]);
            }

            var prediction = DeltaPrediction.FromTicks((uint)(30 + gap), 30, 29, 28, 3);
            TestTransformSerializer.Predict(snapshots[2], snapshots[1], snapshots[0], prediction, out var predicted);

            var buffer = new byte[256];
            var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
            TestTransformSerializer.WriteDelta(ref encoder, snapshots[3], predicted);
            var decoder = new StaticDeltaDecoder(new BitReader(buffer.AsSpan(0, encoder.Writer.BytesWritten)));
            TestTransformSerializer.ReadDelta(ref decoder, predicted, out var decoded);
            Assert.False(decoder.IsFailed);
            Assert.True(TestTransformSerializer.SnapshotEquals(snapshots[3], decoded));

            var models = new ushort[AdaptiveModels.DefaultSize];
            var adaptive = new AdaptiveDeltaEncoder(buffer, models);
            TestTransformSerializer.WriteDelta(ref adaptive, snapshots[3], predicted);
            int length = adaptive.Finish();
            var adaptiveDecoder = new AdaptiveDeltaDecoder(buffer.AsSpan(0, length), models);
            TestTransformSerializer.ReadDelta(ref adaptiveDecoder, predicted, out var adaptiveDecoded);
            Assert.False(adaptiveDecoder.IsFailed);
            Assert.True(TestTransformSerializer.SnapshotEquals(snapshots[3], adaptiveDecoded));
        }, iter: 1000);
    }

    [Fact]
    public void Status_delta_round_trips_including_strings_and_64_bit_fields()
    {
        Gen.Select(Statuses, Statuses).Sample((baseline, current) =>
        {
            TestStatusSerializer.Quantize(baseline, out var b);
            TestStatusSerializer.Quantize(current, out var c);
            var buffer = new byte[512];
            var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
            TestStatusSerializer.WriteDelta(ref encoder, c, b);
            TestStatusSerializer.WriteDelta(ref encoder, b, b);
            var decoder = new StaticDeltaDecoder(new BitReader(buffer.AsSpan(0, encoder.Writer.BytesWritten)));
            TestStatusSerializer.ReadDelta(ref decoder, b, out var decoded);
            TestStatusSerializer.ReadDelta(ref decoder, b, out var unchanged);
            Assert.False(decoder.IsFailed);
            Assert.True(TestStatusSerializer.SnapshotEquals(c, decoded));
            Assert.True(TestStatusSerializer.SnapshotEquals(b, unchanged));
        }, iter: 1000);
    }

    [Fact]
    public void Unchanged_entity_costs_one_bit_with_the_static_code()
    {
        TestTransformSerializer.Quantize(new TestTransform { Position = Vector3.One, Rotation = Quaternion.Identity }, out var snapshot);
        var buffer = new byte[16];
        var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
        TestTransformSerializer.WriteDelta(ref encoder, snapshot, snapshot);
        Assert.Equal(1, encoder.Writer.BitsWritten);
    }

    [Fact]
    public void Rpc_messages_round_trip_through_the_message_serializer()
    {
        Gen.Select(Gen.Int, Gen.String, Gen.Float[-1000f, 1000f]).Sample((id, text, x) =>
        {
            var message = new TestChat { PlayerId = id, Text = new FixedString64(text), Where = new Vector2(x, -x) };
            var buffer = new byte[128];
            var writer = new BitWriter(buffer);
            TestChatSerializer.Write(ref writer, message);
            var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
            TestChatSerializer.Read(ref reader, out var decoded);
            Assert.False(reader.IsFailed);
            Assert.Equal(message.PlayerId, decoded.PlayerId);
            Assert.Equal(message.Text, decoded.Text);
            Assert.True(Vector2.Distance(message.Where, decoded.Where) <= 0.5f);
        });
        Assert.Equal(Channel.ReliableUnordered, TestChatSerializer.Channel);
    }

    [Fact]
    public void Interpolation_blends_continuous_fields_and_switches_discrete_ones_halfway()
    {
        var from = new TestTransform { Position = Vector3.Zero, Rotation = Quaternion.Identity, Velocity = Vector3.Zero, LocalOnly = 1 };
        var to = new TestTransform { Position = new Vector3(10, 0, 0), Rotation = Quaternion.CreateFromAxisAngle(Vector3.UnitY, 1f), Velocity = Vector3.One, LocalOnly = 2 };
        var middle = TestTransformSerializer.Interpolate(from, to, 0.5f);
        Assert.Equal(new Vector3(5, 0, 0), middle.Position);
        Assert.Equal(Quaternion.CreateFromAxisAngle(Vector3.UnitY, 0.5f).W, middle.Rotation.W, 1e-5f);
        Assert.Equal(2, middle.LocalOnly);
        var s0 = new TestStatus { Health = 10 };
        var s1 = new TestStatus { Health = 90 };
        Assert.Equal(10, TestStatusSerializer.Interpolate(s0, s1, 0.49f).Health);
        Assert.Equal(90, TestStatusSerializer.Interpolate(s0, s1, 0.5f).Health);
    }

    [Fact]
    public void Schema_orders_ids_by_full_name_registers_itself_and_visits_typed()
    {
        var schema = Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance;
        // Other test folders add their own replicated types to this assembly's schema: ids follow full names.
        var names = schema.Types.Select(t => t.FullName).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        string[] generatorTypes =
        [
            "Traktor.Ecs.Net.Bench.Serialization.CubeState", "Traktor.Ecs.Net.Tests.Generators.TestChat",
            "Traktor.Ecs.Net.Tests.Generators.TestStatus", "Traktor.Ecs.Net.Tests.Generators.TestTransform",
        ];
        Assert.Equal(generatorTypes, names.Where(generatorTypes.Contains));
        Assert.Equal(Array.IndexOf(names, generatorTypes[1]), TestChatSerializer.NetworkTypeId);
        Assert.Equal(Array.IndexOf(names, generatorTypes[3]), TestTransformSerializer.NetworkTypeId);
        Assert.Equal(TestStatusSerializer.ContextOffset + TestStatusSerializer.ContextCount, TestTransformSerializer.ContextOffset);
        var transform = schema.Types[TestTransformSerializer.NetworkTypeId];
        Assert.Equal((2, 30, Audience.All, Smoothing.Interpolate), (transform.Importance, transform.SendRate, transform.Audience, transform.Smoothing));
        Assert.Equal(Audience.Owner, schema.Types[TestStatusSerializer.NetworkTypeId].Audience);
        Assert.Equal(NetworkTypeKind.Rpc, schema.Types[TestChatSerializer.NetworkTypeId].Kind);
        Assert.Contains(NetworkSchemas.All, s => s.ProtocolHash == schema.ProtocolHash);
        Assert.NotEqual(0UL, schema.ProtocolHash);
        int registered = NetworkSchemas.All.Count;
        NetworkSchemas.Register(schema);
        Assert.Equal(registered, NetworkSchemas.All.Count);
        Assert.NotEqual(0UL, NetworkSchemas.CombinedProtocolHash());
        Assert.Equal(NetworkSchemas.CombinedProtocolHash(), NetworkSchemas.CombinedProtocolHash());

        var visitor = new RecordingVisitor();
        schema.Accept(visitor);
        Assert.Equal(schema.Types.Count, visitor.Seen.Count);
        Assert.Contains($"rpc TestChat {TestChatSerializer.NetworkTypeId}", visitor.Seen);
        Assert.Contains($"component TestStatus {TestStatusSerializer.NetworkTypeId}", visitor.Seen);
        Assert.Contains($"component TestTransform {TestTransformSerializer.NetworkTypeId}", visitor.Seen);
    }

    private sealed class RecordingVisitor : INetworkTypeVisitor
    {
        public List<string> Seen { get; } = [];

        public void VisitComponent<TComponent, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TComponent : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot> =>
            Seen.Add($"component {typeof(TComponent).Name} {TSerializer.NetworkTypeId}");

        public void VisitRpc<TMessage, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TMessage : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TMessage, TSnapshot>, IMessageSerializer<TMessage> =>
            Seen.Add($"rpc {typeof(TMessage).Name} {TSerializer.NetworkTypeId}");
    }
}
