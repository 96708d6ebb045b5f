namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Static bucketed prefix code straight into a <see cref="BitWriter"/>: each residual is its bucket's
/// <see cref="StaticPrefixCode"/> then the offset bits; flags are one bit; contexts are ignored.
/// </summary>
/// <remarks>The encoder owns its <see cref="BitWriter"/>; write headers and read the size through <see cref="Writer"/>.</remarks>
public ref struct StaticDeltaEncoder : IDeltaEncoder
{
    private BitWriter _writer;

    /// <summary>Encodes with <paramref name="writer"/>, continuing at its current position.</summary>
    /// <param name="writer">The writer to take over.</param>
    public StaticDeltaEncoder(BitWriter writer)
    {
        _writer = writer;
    }

    /// <summary>The underlying writer, for headers, raw fields and <see cref="BitWriter.BytesWritten"/>.</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ref BitWriter Writer => ref _writer;

    /// <inheritdoc />
    public readonly bool IsOverflowed => _writer.IsOverflowed;

    /// <inheritdoc />
    public void WriteDelta(int delta, int context)
    {
        uint code = ZigZag.Encode(delta);
        int bucket = DeltaBuckets.BucketOf(code);
        StaticPrefixCode.Write(ref _writer, bucket);
        int offsetBits = DeltaBuckets.OffsetBits(bucket);
        if (offsetBits > 0)
        {
            _writer.WriteBits(code - DeltaBuckets.Start(bucket), offsetBits);
        }
    }

    /// <inheritdoc />
    public void WriteFlag(bool value, int context) => _writer.WriteBool(value);

    /// <inheritdoc />
    public void WriteRaw(ulong value, int bitCount) => _writer.WriteBits(value, bitCount);
}
