using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Adaptive binary range coder (LZMA-style carry-less encoder, 32-bit range, 11-bit probabilities,
/// adaptation shift 3: fast, because a packet gives each context only tens of symbols) with
/// per-packet context models. A residual is coded as its bucket symbol through a 4-level binary
/// tree of context-specific adaptive probabilities, then the two leading offset bits through a
/// small adaptive tree per bucket, then the remaining offset bits at probability ½. Output goes to a byte block of its own: call <see cref="Finish"/>
/// and use the returned length. Allocates nothing; the caller supplies the models (for example
/// <c>stackalloc ushort[AdaptiveModels.DefaultSize]</c>).
/// </summary>
public ref struct AdaptiveDeltaEncoder : IDeltaEncoder
{
    private const int AdaptationShift = 3;
    private const uint TopValue = 1u << 24;

    private readonly Span<byte> _output;
    private readonly Span<ushort> _models;
    private readonly uint _contextCount;
    private ulong _low;
    private uint _range;
    private byte _cache;
    private long _cacheSize;
    private int _position;
    private bool _skipLeadingByte;
    private bool _overflowed;

    /// <summary>Starts a packet: resets <paramref name="models"/> and writes from the start of <paramref name="output"/>.</summary>
    /// <param name="output">Destination block.</param>
    /// <param name="models">At least <see cref="AdaptiveModels.PerContext"/> probabilities; contexts wrap around its length.</param>
    public AdaptiveDeltaEncoder(Span<byte> output, Span<ushort> models)
    {
        _output = output;
        _models = models;
        _contextCount = (uint)(models.Length / AdaptiveModels.PerContext);
        AdaptiveModels.Reset(models);
        _range = uint.MaxValue;
        _cacheSize = 1;
        // The first byte a carry-less range coder emits is always 0: the decoder assumes it.
        _skipLeadingByte = true;
        _overflowed = _contextCount == 0;
    }

    /// <inheritdoc />
    public readonly bool IsOverflowed => _overflowed;

    /// <inheritdoc />
    public void WriteDelta(int delta, int context)
    {
        uint code = ZigZag.Encode(delta);
        int bucket = DeltaBuckets.BucketOf(code);
        int baseIndex = ContextBase(context);
        int node = 1;
        for (int level = 3; level >= 0; level--)
        {
            int bit = (bucket >> level) & 1;
            EncodeBit(ref _models[baseIndex + node], bit);
            node = (node << 1) | bit;
        }

        int offsetBits = DeltaBuckets.OffsetBits(bucket);
        if (offsetBits == 0)
        {
            return;
        }

        // The leading offset bits are skewed (motion residuals cluster near the bucket start): model them.
        uint offset = code - DeltaBuckets.Start(bucket);
        int modelled = Math.Min(offsetBits, AdaptiveModels.ModelledOffsetBits);
        int treeBase = baseIndex + AdaptiveModels.OffsetTreeStart + (bucket * 3);
        int treeNode = 0;
        for (int i = 1; i <= modelled; i++)
        {
            int bit = (int)(offset >> (offsetBits - i)) & 1;
            EncodeBit(ref _models[treeBase + treeNode], bit);
            treeNode = 1 + bit;
        }

        if (offsetBits > modelled)
        {
            EncodeDirectBits(offset, offsetBits - modelled);
        }
    }

    /// <inheritdoc />
    public void WriteFlag(bool value, int context) => EncodeBit(ref _models[ContextBase(context)], value ? 1 : 0);

    /// <inheritdoc />
    public void WriteRaw(ulong value, int bitCount)
    {
        if ((uint)(bitCount - 1) >= 64u)
        {
            _overflowed = true;
            return;
        }

        if (bitCount > 32)
        {
            EncodeDirectBits((uint)(value >> 32), bitCount - 32);
            bitCount = 32;
        }

        EncodeDirectBits((uint)value, bitCount);
    }

    /// <summary>
    /// How many bits the symbols so far cost, to a fraction of a bit: bytes emitted or pending, plus
    /// what the current range has narrowed. Differences between two calls attribute bits to sections.
    /// </summary>
    public readonly double ApproximateBits => (8.0 * (_position + _cacheSize)) + 32 - Math.Log2(_range);

    /// <summary>Flushes the coder. Call once, after the last symbol.</summary>
    /// <returns>Bytes written to the output block, or −1 when it overflowed.</returns>
    public int Finish()
    {
        for (int i = 0; i < 5; i++)
        {
            ShiftLow();
        }

        return _overflowed ? -1 : _position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int ContextBase(int context) => (int)((uint)context % _contextCount) * AdaptiveModels.PerContext;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EncodeBit(ref ushort probability, int bit)
    {
        uint bound = (_range >> AdaptiveModels.ProbabilityBits) * probability;
        if (bit == 0)
        {
            _range = bound;
            probability += (ushort)(((1 << AdaptiveModels.ProbabilityBits) - probability) >> AdaptationShift);
        }
        else
        {
            _low += bound;
            _range -= bound;
            probability -= (ushort)(probability >> AdaptationShift);
        }

        while (_range < TopValue)
        {
            _range <<= 8;
            ShiftLow();
        }
    }

    /// <summary>Writes the low <paramref name="bitCount"/> bits of <paramref name="value"/> at probability ½.</summary>
    private void EncodeDirectBits(uint value, int bitCount)
    {
        for (int i = bitCount - 1; i >= 0; i--)
        {
            _range >>= 1;
            _low += _range & (0u - ((value >> i) & 1));
            while (_range < TopValue)
            {
                _range <<= 8;
                ShiftLow();
            }
        }
    }

    private void ShiftLow()
    {
        if ((uint)_low < 0xFF00_0000u || (_low >> 32) != 0)
        {
            byte carry = (byte)(_low >> 32);
            byte pending = _cache;
            do
            {
                EmitByte((byte)(pending + carry));
                pending = 0xFF;
            }
            while (--_cacheSize != 0);

            _cache = (byte)((uint)_low >> 24);
        }

        _cacheSize++;
        _low = (_low & 0x00FF_FFFFUL) << 8;
    }

    private void EmitByte(byte value)
    {
        if (_skipLeadingByte)
        {
            _skipLeadingByte = false;
            return;
        }

        if (_position < _output.Length)
        {
            _output[_position++] = value;
        }
        else
        {
            _overflowed = true;
        }
    }
}
