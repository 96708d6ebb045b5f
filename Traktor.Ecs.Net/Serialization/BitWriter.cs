using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Writes bit fields least-significant-bit first into a caller-owned span. Never throws and never
/// writes past the span: when a field does not fit, the writer enters the overflowed state, drops
/// that field and every later one, and the caller checks <see cref="IsOverflowed"/> once per message.
/// </summary>
/// <remarks>
/// Bytes of the span past <see cref="BytesWritten"/> are scratch: the fast path stores whole
/// 64-bit words, so it may clear bytes beyond the cursor. The writer never needs a flush; the
/// span always holds every bit written so far.
/// </remarks>
public ref struct BitWriter
{
    private readonly Span<byte> _buffer;
    private long _bitPosition;
    private bool _overflowed;

    /// <summary>Creates a writer that starts at bit 0 of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The destination; its length is the message's capacity.</param>
    public BitWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _bitPosition = 0;
        _overflowed = false;
    }

    /// <summary>Number of bits written so far.</summary>
    public readonly long BitsWritten => _bitPosition;

    /// <summary>Number of bytes that hold the bits written so far (the last one may be partial).</summary>
    public readonly int BytesWritten => (int)((_bitPosition + 7) >> 3);

    /// <summary>Bits still available before the writer overflows.</summary>
    public readonly long BitsRemaining => ((long)_buffer.Length << 3) - _bitPosition;

    /// <summary>True once a write did not fit; every later write is ignored.</summary>
    public readonly bool IsOverflowed => _overflowed;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer[..BytesWritten];

    /// <summary>Writes the low <paramref name="bitCount"/> bits of <paramref name="value"/>.</summary>
    /// <param name="value">The value; bits above <paramref name="bitCount"/> are ignored.</param>
    /// <param name="bitCount">1 to 64; other counts put the writer in the overflowed state.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBits(ulong value, int bitCount)
    {
        if ((uint)(bitCount - 1) >= 64u || bitCount > BitsRemaining)
        {
            _overflowed = true;
            return;
        }

        if (_overflowed)
        {
            return;
        }

        if (bitCount < 64)
        {
            value &= (1UL << bitCount) - 1;
        }

        int bitInByte = (int)(_bitPosition & 7);
        if (bitInByte + bitCount > 64)
        {
            // The field straddles more than one 64-bit word: write it as two halves.
            WriteUnchecked(value & 0xFFFF_FFFFUL, 32);
            WriteUnchecked(value >> 32, bitCount - 32);
            return;
        }

        WriteUnchecked(value, bitCount);
    }

    /// <summary>Writes one bit.</summary>
    /// <param name="value">The bit.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBool(bool value) => WriteBits(value ? 1UL : 0UL, 1);

    /// <summary>Writes an unsigned value in <paramref name="bitCount"/> bits (1–32).</summary>
    /// <param name="value">The value; high bits beyond the count are dropped.</param>
    /// <param name="bitCount">1 to 32.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value, int bitCount) => WriteBits(value, bitCount);

    /// <summary>Writes a signed value in <paramref name="bitCount"/> bits, two's complement.</summary>
    /// <param name="value">The value; it must fit in the count for the read to return it.</param>
    /// <param name="bitCount">1 to 32.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value, int bitCount) => WriteBits(unchecked((uint)value), bitCount);

    /// <summary>Moves the cursor to the next byte boundary, writing zero padding bits.</summary>
    public void AlignToByte()
    {
        int padding = (int)((8 - (_bitPosition & 7)) & 7);
        if (padding != 0)
        {
            WriteBits(0, padding);
        }
    }

    /// <summary>Aligns to a byte boundary, then copies <paramref name="bytes"/> verbatim.</summary>
    /// <param name="bytes">The block to copy.</param>
    public void WriteAlignedBytes(scoped ReadOnlySpan<byte> bytes)
    {
        AlignToByte();
        if (_overflowed || ((long)bytes.Length << 3) > BitsRemaining)
        {
            _overflowed = true;
            return;
        }

        bytes.CopyTo(_buffer[(int)(_bitPosition >> 3)..]);
        _bitPosition += (long)bytes.Length << 3;
    }

    /// <summary>
    /// Reserves an aligned block of <paramref name="length"/> bytes and returns it so another coder
    /// (for example a range coder) can fill it in place. Returns an empty span on overflow.
    /// </summary>
    /// <param name="length">Bytes to reserve.</param>
    /// <returns>The reserved bytes, or an empty span when they do not fit.</returns>
    public Span<byte> ReserveAlignedBytes(int length)
    {
        AlignToByte();
        if (_overflowed || length < 0 || ((long)length << 3) > BitsRemaining)
        {
            _overflowed = true;
            return Span<byte>.Empty;
        }

        var block = _buffer.Slice((int)(_bitPosition >> 3), length);
        _bitPosition += (long)length << 3;
        return block;
    }

    /// <summary>Gives back the unused tail of the block returned by <see cref="ReserveAlignedBytes"/>.</summary>
    /// <param name="unusedBytes">Bytes at the end of the last reservation that were not used.</param>
    public void ReturnUnusedBytes(int unusedBytes)
    {
        if (unusedBytes > 0 && !_overflowed && _bitPosition >= (long)unusedBytes << 3)
        {
            _bitPosition -= (long)unusedBytes << 3;
        }
    }

    private void WriteUnchecked(ulong value, int bitCount)
    {
        int byteIndex = (int)(_bitPosition >> 3);
        int bitInByte = (int)(_bitPosition & 7);
        if (byteIndex + 8 <= _buffer.Length)
        {
            // In bounds (checked just above): write the whole little-endian word in one store.
            ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), byteIndex);
            ulong word = (first & ((1UL << bitInByte) - 1)) | (value << bitInByte);
            Unsafe.WriteUnaligned(ref first, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }
        else
        {
            WriteSlow(value, bitCount, byteIndex, bitInByte);
        }

        _bitPosition += bitCount;
    }

    private readonly void WriteSlow(ulong value, int bitCount, int byteIndex, int bitInByte)
    {
        int remaining = bitCount;
        while (remaining > 0)
        {
            int take = Math.Min(8 - bitInByte, remaining);
            byte kept = (byte)(_buffer[byteIndex] & ((1 << bitInByte) - 1));
            byte bits = (byte)((value & ((1UL << take) - 1)) << bitInByte);
            _buffer[byteIndex] = (byte)(kept | bits);
            value >>= take;
            remaining -= take;
            bitInByte = 0;
            byteIndex++;
        }
    }
}
