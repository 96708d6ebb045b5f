using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Reads bit fields written by <see cref="BitWriter"/>. Never throws and never reads past the span:
/// a read that does not fit puts the reader in the failed state and returns zero, and so does
/// every later read. Decoders check <see cref="IsFailed"/> once per message, not per field.
/// </summary>
public ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _bitLength;
    private long _bitPosition;
    private bool _failed;

    /// <summary>Creates a reader over every bit of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The received message.</param>
    public BitReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _bitLength = (long)buffer.Length << 3;
        _bitPosition = 0;
        _failed = false;
    }

    /// <summary>True once a read ran past the end or a decoder found invalid data.</summary>
    public readonly bool IsFailed => _failed;

    /// <summary>Number of bits consumed so far.</summary>
    public readonly long BitsRead => _bitPosition;

    /// <summary>Bits left before the end of the buffer.</summary>
    public readonly long BitsRemaining => _bitLength - _bitPosition;

    /// <summary>Marks the message invalid; used by decoders that find an out-of-range value.</summary>
    public void Fail()
    {
        _failed = true;
        _bitPosition = _bitLength;
    }

    /// <summary>Reads <paramref name="bitCount"/> bits as an unsigned value.</summary>
    /// <param name="bitCount">1 to 64; other counts fail the reader.</param>
    /// <returns>The value, or 0 when the reader is (or becomes) failed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadBits(int bitCount)
    {
        if ((uint)(bitCount - 1) >= 64u || bitCount > BitsRemaining || _failed)
        {
            Fail();
            return 0;
        }

        int bitInByte = (int)(_bitPosition & 7);
        if (bitInByte + bitCount > 64)
        {
            ulong low = ReadUnchecked(32);
            ulong high = ReadUnchecked(bitCount - 32);
            return low | (high << 32);
        }

        return ReadUnchecked(bitCount);
    }

    /// <summary>
    /// Returns the next <paramref name="bitCount"/> bits without consuming them; bits past the end
    /// read as zero (use <see cref="BitsRemaining"/> to tell them apart).
    /// </summary>
    /// <param name="bitCount">1 to 64.</param>
    /// <returns>The bits, or 0 when failed or at the end.</returns>
    public readonly ulong PeekBits(int bitCount)
    {
        int available = (int)Math.Min(BitsRemaining, bitCount);
        if (_failed || available <= 0)
        {
            return 0;
        }

        var lookahead = this;
        return lookahead.ReadBits(available);
    }

    /// <summary>Reads one bit.</summary>
    /// <returns>The bit, or false when failed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadBool() => ReadBits(1) != 0;

    /// <summary>Reads an unsigned value of <paramref name="bitCount"/> bits (1–32).</summary>
    /// <param name="bitCount">1 to 32.</param>
    /// <returns>The value, or 0 when failed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32(int bitCount) => bitCount > 32 ? FailWith(0u) : (uint)ReadBits(bitCount);

    /// <summary>Reads a two's-complement value of <paramref name="bitCount"/> bits, sign-extended.</summary>
    /// <param name="bitCount">1 to 32.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public int ReadInt32(int bitCount)
    {
        uint raw = ReadUInt32(bitCount);
        int shift = 32 - bitCount;
        return shift is > 0 and < 32 ? (int)(raw << shift) >> shift : unchecked((int)raw);
    }

    /// <summary>Skips to the next byte boundary.</summary>
    public void AlignToByte()
    {
        int padding = (int)((8 - (_bitPosition & 7)) & 7);
        if (padding != 0)
        {
            ReadBits(padding);
        }
    }

    /// <summary>Aligns to a byte boundary and copies <paramref name="destination"/>.Length bytes.</summary>
    /// <param name="destination">Receives the bytes; cleared when the read fails.</param>
    public void ReadAlignedBytes(scoped Span<byte> destination)
    {
        var block = ReadAlignedBlock(destination.Length);
        if (block.Length == destination.Length)
        {
            block.CopyTo(destination);
        }
        else
        {
            destination.Clear();
        }
    }

    /// <summary>Aligns to a byte boundary and returns the next <paramref name="length"/> bytes in place.</summary>
    /// <param name="length">Bytes to take.</param>
    /// <returns>The bytes, or an empty span when they are not there (the reader then fails).</returns>
    public ReadOnlySpan<byte> ReadAlignedBlock(int length)
    {
        AlignToByte();
        if (_failed || length < 0 || ((long)length << 3) > BitsRemaining)
        {
            Fail();
            return ReadOnlySpan<byte>.Empty;
        }

        var block = _buffer.Slice((int)(_bitPosition >> 3), length);
        _bitPosition += (long)length << 3;
        return block;
    }

    private T FailWith<T>(T value)
    {
        Fail();
        return value;
    }

    private ulong ReadUnchecked(int bitCount)
    {
        int byteIndex = (int)(_bitPosition >> 3);
        int bitInByte = (int)(_bitPosition & 7);
        ulong value;
        if (byteIndex + 8 <= _buffer.Length)
        {
            // In bounds (checked just above): skip the slice's second bounds check on the hot path.
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), byteIndex));
            value = (BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word)) >> bitInByte;
        }
        else
        {
            value = 0;
            int shift = -bitInByte;
            for (int i = byteIndex; i < _buffer.Length && shift < 64; i++, shift += 8)
            {
                value |= shift >= 0 ? (ulong)_buffer[i] << shift : (ulong)_buffer[i] >> -shift;
            }
        }

        _bitPosition += bitCount;
        return bitCount == 64 ? value : value & ((1UL << bitCount) - 1);
    }
}
