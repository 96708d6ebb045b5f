namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>Decoder for <see cref="StaticDeltaEncoder"/>, reading from a <see cref="BitReader"/>.</summary>
/// <remarks>The decoder owns its <see cref="BitReader"/>; read headers through <see cref="Reader"/>.</remarks>
public ref struct StaticDeltaDecoder : IDeltaDecoder
{
    private BitReader _reader;

    /// <summary>Decodes with <paramref name="reader"/>, continuing at its current position.</summary>
    /// <param name="reader">The reader to take over.</param>
    public StaticDeltaDecoder(BitReader reader)
    {
        _reader = reader;
    }

    /// <summary>The underlying reader, for headers and raw fields.</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ref BitReader Reader => ref _reader;

    /// <inheritdoc />
    public readonly bool IsFailed => _reader.IsFailed;

    /// <inheritdoc />
    public void Fail() => _reader.Fail();

    /// <inheritdoc />
    public int ReadDelta(int context)
    {
        int bucket = StaticPrefixCode.Read(ref _reader);
        int offsetBits = DeltaBuckets.OffsetBits(bucket);
        uint offset = offsetBits > 0 ? (uint)_reader.ReadBits(offsetBits) : 0u;
        return _reader.IsFailed ? 0 : ZigZag.Decode(unchecked(DeltaBuckets.Start(bucket) + offset));
    }

    /// <inheritdoc />
    public bool ReadFlag(int context) => _reader.ReadBool();

    /// <inheritdoc />
    public ulong ReadRaw(int bitCount) => _reader.ReadBits(bitCount);
}
