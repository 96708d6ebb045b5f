using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// Whole-scene snapshot packets for the cube scenario, built only from the generated
/// <see cref="CubeStateSerializer"/> and the public coders. Allocation-free.
/// Static format: changed-cube count (10 raw bits), then per changed cube the index gap − 1 as a
/// residual and the cube's delta. Adaptive format: every cube's delta in order (its "changed" flag
/// is nearly free once the model has seen a few sleeping cubes).
/// </summary>
public static class CubeSnapshotCodec
{
    private const int GapContext = 100;

    /// <summary>Every cube written in full (no baseline).</summary>
    /// <param name="current">Quantized cubes.</param>
    /// <param name="output">Packet buffer.</param>
    /// <returns>Bytes used, −1 on overflow.</returns>
    public static int EncodeFull(ReadOnlySpan<CubeStateSnapshot> current, Span<byte> output)
    {
        var writer = new BitWriter(output);
        foreach (ref readonly var cube in current)
        {
            CubeStateSerializer.WriteFull(ref writer, cube);
        }

        return writer.IsOverflowed ? -1 : writer.BytesWritten;
    }

    /// <summary>Static-prefix-coded delta packet.</summary>
    /// <param name="current">Quantized cubes now.</param>
    /// <param name="baselines">Three acknowledged scenes, newest first (the same scene repeated when fewer exist).</param>
    /// <param name="prediction">From the baselines' ticks.</param>
    /// <param name="output">Packet buffer.</param>
    /// <returns>Bytes used, −1 on overflow.</returns>
    public static int EncodeStatic(ReadOnlySpan<CubeStateSnapshot> current, Baselines baselines, in DeltaPrediction prediction, Span<byte> output)
    {
        var encoder = new StaticDeltaEncoder(new BitWriter(output));
        int changed = 0;
        for (int i = 0; i < current.Length; i++)
        {
            CubeStateSerializer.Predict(baselines.Newest[i], baselines.Older[i], baselines.Oldest[i], prediction, out var predicted);
            if (!CubeStateSerializer.SnapshotEquals(current[i], predicted))
            {
                changed++;
            }
        }

        encoder.WriteRaw((ulong)changed, 10);
        int previous = -1;
        for (int i = 0; i < current.Length; i++)
        {
            CubeStateSerializer.Predict(baselines.Newest[i], baselines.Older[i], baselines.Oldest[i], prediction, out var predicted);
            if (CubeStateSerializer.SnapshotEquals(current[i], predicted))
            {
                continue;
            }

            encoder.WriteDelta(i - previous - 1, GapContext);
            CubeStateSerializer.WriteDelta(ref encoder, current[i], predicted);
            previous = i;
        }

        return encoder.IsOverflowed ? -1 : encoder.Writer.BytesWritten;
    }

    /// <summary>Decodes <see cref="EncodeStatic"/>.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="baselines">The same baselines.</param>
    /// <param name="prediction">The same prediction.</param>
    /// <param name="decoded">Receives every cube.</param>
    /// <returns>False when the packet is invalid.</returns>
    public static bool DecodeStatic(ReadOnlySpan<byte> packet, Baselines baselines, in DeltaPrediction prediction, Span<CubeStateSnapshot> decoded)
    {
        var decoder = new StaticDeltaDecoder(new BitReader(packet));
        for (int i = 0; i < decoded.Length; i++)
        {
            CubeStateSerializer.Predict(baselines.Newest[i], baselines.Older[i], baselines.Oldest[i], prediction, out decoded[i]);
        }

        int changed = (int)decoder.ReadRaw(10);
        int index = -1;
        for (int n = 0; n < changed && !decoder.IsFailed; n++)
        {
            index += decoder.ReadDelta(GapContext) + 1;
            if ((uint)index >= (uint)decoded.Length)
            {
                return false;
            }

            var predicted = decoded[index];
            CubeStateSerializer.ReadDelta(ref decoder, predicted, out decoded[index]);
        }

        return !decoder.IsFailed;
    }

    /// <summary>Adaptive-range-coded delta packet.</summary>
    /// <param name="current">Quantized cubes now.</param>
    /// <param name="baselines">Three acknowledged scenes, newest first.</param>
    /// <param name="prediction">From the baselines' ticks.</param>
    /// <param name="output">Packet buffer.</param>
    /// <param name="models">Context models (reset by the encoder).</param>
    /// <returns>Bytes used, −1 on overflow.</returns>
    public static int EncodeAdaptive(ReadOnlySpan<CubeStateSnapshot> current, Baselines baselines, in DeltaPrediction prediction, Span<byte> output, Span<ushort> models)
    {
        var encoder = new AdaptiveDeltaEncoder(output, models);
        for (int i = 0; i < current.Length; i++)
        {
            CubeStateSerializer.Predict(baselines.Newest[i], baselines.Older[i], baselines.Oldest[i], prediction, out var predicted);
            CubeStateSerializer.WriteDelta(ref encoder, current[i], predicted);
        }

        return encoder.Finish();
    }

    /// <summary>Decodes <see cref="EncodeAdaptive"/>.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="baselines">The same baselines.</param>
    /// <param name="prediction">The same prediction.</param>
    /// <param name="decoded">Receives every cube.</param>
    /// <param name="models">Context models (reset by the decoder).</param>
    /// <returns>False when the packet is invalid.</returns>
    public static bool DecodeAdaptive(ReadOnlySpan<byte> packet, Baselines baselines, in DeltaPrediction prediction, Span<CubeStateSnapshot> decoded, Span<ushort> models)
    {
        var decoder = new AdaptiveDeltaDecoder(packet, models);
        for (int i = 0; i < decoded.Length; i++)
        {
            CubeStateSerializer.Predict(baselines.Newest[i], baselines.Older[i], baselines.Oldest[i], prediction, out var predicted);
            CubeStateSerializer.ReadDelta(ref decoder, predicted, out decoded[i]);
        }

        return !decoder.IsFailed;
    }

    /// <summary>Three acknowledged scenes, newest first.</summary>
    /// <param name="Newest">Newest acknowledged scene.</param>
    /// <param name="Older">The one before.</param>
    /// <param name="Oldest">The one before that.</param>
    public readonly ref struct Baselines(ReadOnlySpan<CubeStateSnapshot> Newest, ReadOnlySpan<CubeStateSnapshot> Older, ReadOnlySpan<CubeStateSnapshot> Oldest)
    {
        /// <summary>Newest acknowledged scene.</summary>
        public ReadOnlySpan<CubeStateSnapshot> Newest { get; } = Newest;

        /// <summary>The one before.</summary>
        public ReadOnlySpan<CubeStateSnapshot> Older { get; } = Older;

        /// <summary>The one before that.</summary>
        public ReadOnlySpan<CubeStateSnapshot> Oldest { get; } = Oldest;
    }
}
