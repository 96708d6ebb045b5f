using CsCheck;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Tests.Serialization;

public class DeltaCoderTests
{
    private enum Op
    {
        Delta,
        Flag,
        Raw,
    }

    private static readonly Gen<int> Residual = Gen.Frequency(
        (6, Gen.Int[-4, 4]),
        (3, Gen.Int[-5000, 5000]),
        (1, Gen.Int),
        (1, Gen.Int[0, 2].Select(i => i switch { 0 => int.MinValue, 1 => int.MaxValue, _ => -int.MaxValue })));

    private static readonly Gen<(Op Op, int Value, int Context, ulong Raw, int Bits)[]> Operations =
        Gen.Select(Gen.Enum<Op>(), Residual, Gen.Int[0, 300], Gen.ULong, Gen.Int[1, 64]).Array[0, 300];

    [Fact]
    public void Static_code_round_trips_any_sequence()
    {
        Operations.Sample(ops =>
        {
            var buffer = new byte[(ops.Length * 16) + 8];
            var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
            Encode(ref encoder, ops);
            Assert.False(encoder.IsOverflowed);
            var decoder = new StaticDeltaDecoder(new BitReader(buffer.AsSpan(0, encoder.Writer.BytesWritten)));
            Verify(ref decoder, ops);
        }, iter: 1000);
    }

    [Fact]
    public void Adaptive_code_round_trips_any_sequence()
    {
        Operations.Sample(ops =>
        {
            // CsCheck samples on several threads: every sample gets its own buffers.
            var encoderModels = new ushort[AdaptiveModels.DefaultSize];
            var decoderModels = new ushort[AdaptiveModels.DefaultSize];
            var buffer = new byte[(ops.Length * 16) + 16];
            var encoder = new AdaptiveDeltaEncoder(buffer, encoderModels);
            Encode(ref encoder, ops);
            int length = encoder.Finish();
            Assert.True(length >= 0);
            var decoder = new AdaptiveDeltaDecoder(buffer.AsSpan(0, length), decoderModels);
            Verify(ref decoder, ops);
            Assert.Equal(length, decoder.BytesRead);
        }, iter: 1000);
    }

    [Fact]
    public void Zero_residuals_are_one_bit_with_the_static_code_and_nearly_free_with_the_adaptive_one()
    {
        var buffer = new byte[1024];
        var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
        for (int i = 0; i < 1000; i++)
        {
            encoder.WriteDelta(0, 0);
        }

        Assert.Equal(1000, encoder.Writer.BitsWritten);

        Span<ushort> models = stackalloc ushort[AdaptiveModels.Size(1)];
        var adaptive = new AdaptiveDeltaEncoder(buffer, models);
        for (int i = 0; i < 1000; i++)
        {
            adaptive.WriteDelta(0, 0);
        }

        Assert.InRange(adaptive.Finish(), 1, 20);
    }

    [Fact]
    public void Prefix_code_is_canonical_and_complete_enough_to_decode()
    {
        double kraft = 0;
        Span<byte> buffer = stackalloc byte[4];
        for (int symbol = 0; symbol < DeltaBuckets.Count; symbol++)
        {
            kraft += Math.Pow(2, -StaticPrefixCode.Length(symbol));
            var writer = new BitWriter(buffer);
            StaticPrefixCode.Write(ref writer, symbol);
            var reader = new BitReader(buffer);
            Assert.Equal(symbol, StaticPrefixCode.Read(ref reader));
        }

        Assert.True(kraft <= 1);

        // 111111xx (sent most significant bit first) is the unused corner of the code.
        var unused = new BitReader([0x3F]);
        StaticPrefixCode.Read(ref unused);
        Assert.True(unused.IsFailed);

        // A code longer than what is left fails instead of reading zeros past the end.
        var truncated = new BitReader([0xFF]);
        truncated.ReadBits(3);
        StaticPrefixCode.Read(ref truncated);
        Assert.True(truncated.IsFailed);
        Assert.Equal(0, DeltaBuckets.BucketOf(0));
        Assert.Equal(15, DeltaBuckets.BucketOf(uint.MaxValue));
    }

    [Fact]
    public void Encoders_report_overflow_instead_of_writing_past_the_buffer()
    {
        var small = new byte[3];
        var encoder = new StaticDeltaEncoder(new BitWriter(small));
        for (int i = 0; i < 10; i++)
        {
            encoder.WriteDelta(100_000, 0);
        }

        Assert.True(encoder.IsOverflowed);

        Span<ushort> models = stackalloc ushort[AdaptiveModels.Size(4)];
        var adaptive = new AdaptiveDeltaEncoder(small, models);
        for (int i = 0; i < 10; i++)
        {
            adaptive.WriteDelta(100_000, 1);
        }

        Assert.Equal(-1, adaptive.Finish());
        Assert.True(adaptive.IsOverflowed);
    }

    [Fact]
    public void Truncated_adaptive_blocks_fail_without_reading_past_them()
    {
        Span<ushort> models = stackalloc ushort[AdaptiveModels.Size(8)];
        var buffer = new byte[256];
        var encoder = new AdaptiveDeltaEncoder(buffer, models);
        for (int i = 0; i < 50; i++)
        {
            encoder.WriteDelta(i * 37, i % 8);
        }

        int length = encoder.Finish();
        var decoder = new AdaptiveDeltaDecoder(buffer.AsSpan(0, length - 2), models);
        for (int i = 0; i < 50; i++)
        {
            decoder.ReadDelta(i % 8);
        }

        Assert.True(decoder.IsFailed);
        Assert.True(decoder.BytesRead <= length - 2);
    }

    private static void Encode<TEncoder>(ref TEncoder encoder, (Op Op, int Value, int Context, ulong Raw, int Bits)[] ops)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        foreach (var op in ops)
        {
            switch (op.Op)
            {
                case Op.Delta: encoder.WriteDelta(op.Value, op.Context); break;
                case Op.Flag: encoder.WriteFlag((op.Value & 1) != 0, op.Context); break;
                default: encoder.WriteRaw(op.Raw, op.Bits); break;
            }
        }
    }

    private static void Verify<TDecoder>(ref TDecoder decoder, (Op Op, int Value, int Context, ulong Raw, int Bits)[] ops)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        foreach (var op in ops)
        {
            switch (op.Op)
            {
                case Op.Delta: Assert.Equal(op.Value, decoder.ReadDelta(op.Context)); break;
                case Op.Flag: Assert.Equal((op.Value & 1) != 0, decoder.ReadFlag(op.Context)); break;
                default:
                    ulong mask = op.Bits == 64 ? ulong.MaxValue : (1UL << op.Bits) - 1;
                    Assert.Equal(op.Raw & mask, decoder.ReadRaw(op.Bits));
                    break;
            }
        }

        Assert.False(decoder.IsFailed);
    }
}
