using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// What the generator emits for each <c>[Replicated]</c> or <c>[Rpc]</c> struct, as a readonly
/// struct implementing static members, so replication code generic over
/// <c>TSerializer : IComponentSerializer&lt;TComponent, TSnapshot&gt;</c> is specialized by the JIT:
/// no reflection, no boxing, no virtual calls per tick.
/// </summary>
/// <typeparam name="TComponent">The user's component.</typeparam>
/// <typeparam name="TSnapshot">Its quantized form: equal snapshots mean nothing to send.</typeparam>
public interface IComponentSerializer<TComponent, TSnapshot>
    where TComponent : struct
    where TSnapshot : struct
{
    /// <summary>Stable id within the generated schema (types ordered by full name).</summary>
    static abstract ushort NetworkTypeId { get; }

    /// <summary>First adaptive-coder context this type uses.</summary>
    static abstract int ContextOffset { get; }

    /// <summary>Number of adaptive-coder contexts this type uses.</summary>
    static abstract int ContextCount { get; }

    /// <summary>Upper bound of <see cref="WriteFull"/>'s size in bits, for packet budgets.</summary>
    static abstract int MaxFullBits { get; }

    /// <summary>Quantizes the replicated fields.</summary>
    /// <param name="component">The component.</param>
    /// <param name="snapshot">Its quantized form.</param>
    static abstract void Quantize(in TComponent component, out TSnapshot snapshot);

    /// <summary>Writes the replicated fields of <paramref name="snapshot"/> into <paramref name="component"/>, leaving <c>[NotReplicated]</c> fields untouched.</summary>
    /// <param name="snapshot">The quantized form.</param>
    /// <param name="component">The component to update.</param>
    static abstract void Dequantize(in TSnapshot snapshot, ref TComponent component);

    /// <summary>True when both snapshots hold the same quantized values.</summary>
    /// <param name="left">One snapshot.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    static abstract bool SnapshotEquals(in TSnapshot left, in TSnapshot right);

    /// <summary>Writes every replicated field (no baseline).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="snapshot">The snapshot.</param>
    static abstract void WriteFull(ref BitWriter writer, in TSnapshot snapshot);

    /// <summary>Reads what <see cref="WriteFull"/> wrote; check the reader's failed state once per message.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="snapshot">The snapshot.</param>
    static abstract void ReadFull(ref BitReader reader, out TSnapshot snapshot);

    /// <summary>Predicts the snapshot at the target tick from up to three baselines, newest first.</summary>
    /// <param name="baseline0">Newest acknowledged baseline.</param>
    /// <param name="baseline1">Older baseline (or <paramref name="baseline0"/> again when missing).</param>
    /// <param name="baseline2">Oldest baseline (or <paramref name="baseline1"/> again when missing).</param>
    /// <param name="prediction">Built once per entity by <see cref="DeltaPrediction.FromTicks"/>.</param>
    /// <param name="predicted">The prediction to delta against.</param>
    static abstract void Predict(in TSnapshot baseline0, in TSnapshot baseline1, in TSnapshot baseline2, in DeltaPrediction prediction, out TSnapshot predicted);

    /// <summary>Writes <paramref name="current"/> as a changed flag plus residuals against <paramref name="predicted"/>.</summary>
    /// <typeparam name="TEncoder">The entropy coder.</typeparam>
    /// <param name="encoder">The encoder.</param>
    /// <param name="current">The snapshot to send.</param>
    /// <param name="predicted">The prediction both ends compute.</param>
    static abstract void WriteDelta<TEncoder>(ref TEncoder encoder, in TSnapshot current, in TSnapshot predicted)
        where TEncoder : IDeltaEncoder, allows ref struct;

    /// <summary>Reads what <see cref="WriteDelta"/> wrote.</summary>
    /// <typeparam name="TDecoder">The entropy decoder.</typeparam>
    /// <param name="decoder">The decoder.</param>
    /// <param name="predicted">The same prediction the sender used.</param>
    /// <param name="current">The decoded snapshot.</param>
    static abstract void ReadDelta<TDecoder>(ref TDecoder decoder, in TSnapshot predicted, out TSnapshot current)
        where TDecoder : IDeltaDecoder, allows ref struct;

    /// <summary>
    /// Blends two component values: floats and vectors linearly, quaternions by slerp, everything
    /// else switches from <paramref name="from"/> to <paramref name="to"/> at t = ½. Fields that are
    /// not replicated come from <paramref name="to"/>.
    /// </summary>
    /// <param name="from">Older value.</param>
    /// <param name="to">Newer value.</param>
    /// <param name="t">0 gives <paramref name="from"/>, 1 gives <paramref name="to"/>.</param>
    /// <returns>The blend.</returns>
    static abstract TComponent Interpolate(in TComponent from, in TComponent to, float t);
}
