using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Decoder for <see cref="AdaptiveDeltaEncoder"/>. Reading past the end of the block fails the
/// decoder (a valid block is never over-read) and every later call returns zero.
/// </summary>
public ref struct AdaptiveDeltaDecoder : IDeltaDecoder
{
    private const int AdaptationShift = 3;
    private const uint TopValue = 1u << 24;

    private readonly ReadOnlySpan<byte> _input;
    private readonly Span<ushort> _models;
    private readonly uint _contextCount;
    private uint _range;
    private uint _code;
    private int _position;
    private bool _failed;

    /// <summary>Starts decoding a block: resets <paramref name="models"/> exactly as the encoder did.</summary>
    /// <param name="input">The block produced by the encoder (its <see cref="AdaptiveDeltaEncoder.Finish"/> length).</param>
    /// <param name="models">Same length as the encoder's.</param>
    public AdaptiveDeltaDecoder(ReadOnlySpan<byte> input, Span<ushort> models)
    {
        _input = input;
        _models = models;
        _contextCount = (uint)(models.Length / AdaptiveModels.PerContext);
        AdaptiveModels.Reset(models);
        _range = uint.MaxValue;
        _failed = _contextCount == 0;
        for (int i = 0; i < 4; i++)
        {
            _code = (_code << 8) | NextByte();
        }
    }

    /// <inheritdoc />
    public readonly bool IsFailed => _failed;

    /// <summary>Bytes consumed so far.</summary>
    public readonly int BytesRead => _position;

    /// <inheritdoc />
    public void Fail() => _failed = true;

    /// <inheritdoc />
    public int ReadDelta(int context)
    {
        if (_failed)
        {
            return 0;
        }

        int baseIndex = ContextBase(context);
        int node = 1;
        for (int level = 0; level < 4; level++)
        {
            node = (node << 1) | DecodeBit(ref _models[baseIndex + node]);
        }

        int bucket = node - 16;
        int offsetBits = DeltaBuckets.OffsetBits(bucket);
        uint offset = 0;
        int modelled = Math.Min(offsetBits, AdaptiveModels.ModelledOffsetBits);
        int treeBase = baseIndex + AdaptiveModels.OffsetTreeStart + (bucket * 3);
        int treeNode = 0;
        for (int i = 0; i < modelled; i++)
        {
            int bit = DecodeBit(ref _models[treeBase + treeNode]);
            offset = (offset << 1) | (uint)bit;
            treeNode = 1 + bit;
        }

        if (offsetBits > modelled)
        {
            offset = (offset << (offsetBits - modelled)) | DecodeDirectBits(offsetBits - modelled);
        }
        return _failed ? 0 : ZigZag.Decode(unchecked(DeltaBuckets.Start(bucket) + offset));
    }

    /// <inheritdoc />
    public bool ReadFlag(int context) => !_failed && DecodeBit(ref _models[ContextBase(context)]) != 0 && !_failed;

    /// <inheritdoc />
    public ulong ReadRaw(int bitCount)
    {
        if (_failed || (uint)(bitCount - 1) >= 64u)
        {
            _failed = true;
            return 0;
        }

        ulong high = 0;
        if (bitCount > 32)
        {
            high = DecodeDirectBits(bitCount - 32);
            bitCount = 32;
        }

        ulong value = (high << 32) | DecodeDirectBits(bitCount);
        return _failed ? 0 : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int ContextBase(int context) => (int)((uint)context % _contextCount) * AdaptiveModels.PerContext;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeBit(ref ushort probability)
    {
        uint bound = (_range >> AdaptiveModels.ProbabilityBits) * probability;
        int bit;
        if (_code < bound)
        {
            _range = bound;
            probability += (ushort)(((1 << AdaptiveModels.ProbabilityBits) - probability) >> AdaptationShift);
            bit = 0;
        }
        else
        {
            _code -= bound;
            _range -= bound;
            probability -= (ushort)(probability >> AdaptationShift);
            bit = 1;
        }

        while (_range < TopValue)
        {
            _range <<= 8;
            _code = (_code << 8) | NextByte();
        }

        return bit;
    }

    private uint DecodeDirectBits(int bitCount)
    {
        uint result = 0;
        for (int i = 0; i < bitCount; i++)
        {
            _range >>= 1;
            uint bit = _code >= _range ? 1u : 0u;
            _code -= _range & (0u - bit);
            result = (result << 1) | bit;
            while (_range < TopValue)
            {
                _range <<= 8;
                _code = (_code << 8) | NextByte();
            }
        }

        return result;
    }

    private uint NextByte()
    {
        if (_position < _input.Length)
        {
            return _input[_position++];
        }

        _failed = true;
        return 0;
    }
}
