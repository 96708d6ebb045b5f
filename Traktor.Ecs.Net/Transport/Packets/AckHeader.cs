using System.Buffers.Binary;
using System.Numerics;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// The ack header at the start of every payload (docs/PROTOCOL.md §6): the newest packet received (u16) and 32 bits for
/// the ones before it, written as a form byte, the ack, and only what the form does not imply. Acks are almost always
/// "every one of the 32 arrived" or "all but one or two" (loss is rare), so the usual header is 3 bytes instead of the
/// 6 that writing the bits out takes; any other set of bits costs 7.
/// </summary>
internal static class AckHeader
{
    /// <summary>Form (bits 0–1 of the first byte): every ack bit is set.</summary>
    public const int AllReceived = 0;

    /// <summary>Form: every ack bit is set but one, whose index (0–31) is in bits 2–6.</summary>
    public const int OneMissing = 1;

    /// <summary>Form: every ack bit is set but two; the lower index in bits 2–6, the higher in a byte after the ack.</summary>
    public const int TwoMissing = 2;

    /// <summary>Form: the 32 ack bits follow the ack as a u32.</summary>
    public const int Literal = 3;

    /// <summary>The shortest header (forms 0 and 1).</summary>
    public const int MinSize = 3;

    /// <summary>The longest header (form 3).</summary>
    public const int MaxSize = 7;

    /// <summary>
    /// Bit 7 of the form byte: the payload elicits an acknowledgement although it carries no message (a keep-alive, or
    /// an acknowledgement that asks for a round-trip sample). A payload with messages elicits one whatever this bit says.
    /// </summary>
    public const byte ElicitsAck = 0x80;

    private const int FormMask = 0x03;
    private const int IndexShift = 2;
    private const int IndexMask = 0x1F;

    /// <summary>Bytes the header of these ack bits takes.</summary>
    public static int Size(uint bits) => BitOperations.PopCount(~bits) switch
    {
        0 or 1 => MinSize,
        2 => MinSize + 1,
        _ => MaxSize,
    };

    /// <summary>Writes the header in its shortest form; returns its length. <paramref name="destination"/> holds <see cref="MaxSize"/>.</summary>
    public static int Write(Span<byte> destination, ushort ack, uint bits)
    {
        uint missing = ~bits;
        int count = BitOperations.PopCount(missing);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], ack);
        switch (count)
        {
            case 0:
                destination[0] = AllReceived;
                return MinSize;
            case 1:
                destination[0] = (byte)(OneMissing | (BitOperations.TrailingZeroCount(missing) << IndexShift));
                return MinSize;
            case 2:
                int low = BitOperations.TrailingZeroCount(missing);
                destination[0] = (byte)(TwoMissing | (low << IndexShift));
                destination[3] = (byte)(31 - BitOperations.LeadingZeroCount(missing));
                return MinSize + 1;
            default:
                destination[0] = Literal;
                BinaryPrimitives.WriteUInt32LittleEndian(destination[3..], bits);
                return MaxSize;
        }
    }

    /// <summary>True when the header at the start of <paramref name="source"/> (read by <see cref="TryRead"/>) carries <see cref="ElicitsAck"/>.</summary>
    public static bool Elicits(ReadOnlySpan<byte> source) => (source[0] & ElicitsAck) != 0;

    /// <summary>
    /// Reads a header; false when it is truncated or not in one of the forms exactly (an index where its form has none,
    /// indices out of range or not increasing), which the receiver treats as a malformed payload. The
    /// <see cref="ElicitsAck"/> bit is read by <see cref="Elicits"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ushort ack, out uint bits, out int length)
    {
        ack = 0;
        bits = 0;
        length = 0;
        if (source.Length < MinSize) return false;
        byte form = source[0];
        int index = (form >> IndexShift) & IndexMask;
        switch (form & FormMask)
        {
            case AllReceived:
                if (index != 0) return false;
                bits = uint.MaxValue;
                length = MinSize;
                break;
            case OneMissing:
                bits = ~(1u << index);
                length = MinSize;
                break;
            case TwoMissing:
                if (source.Length < MinSize + 1) return false;
                int high = source[3];
                if (high > IndexMask || high <= index) return false;
                bits = ~((1u << index) | (1u << high));
                length = MinSize + 1;
                break;
            default:
                if (index != 0 || source.Length < MaxSize) return false;
                bits = BinaryPrimitives.ReadUInt32LittleEndian(source[3..]);
                length = MaxSize;
                break;
        }
        ack = BinaryPrimitives.ReadUInt16LittleEndian(source[1..]);
        return true;
    }
}
