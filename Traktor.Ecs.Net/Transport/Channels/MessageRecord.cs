using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// One message (or message fragment) inside a payload packet:
/// [flags: channel in bits 0–1, fragment in bit 2][length u16][id u16, unless unfragmented Unreliable]
/// [fragment index u16, fragment count u16, if fragment][data].
/// </summary>
internal readonly ref struct MessageRecord
{
    public const byte FragmentFlag = 0x04;
    private const byte ChannelMask = 0x03;
    private const byte ReservedMask = 0xF8;

    public readonly ChannelKind Channel;
    public readonly bool IsFragment;
    public readonly ushort Id;
    public readonly ushort FragmentIndex;
    public readonly ushort FragmentCount;
    public readonly ReadOnlySpan<byte> Data;

    private MessageRecord(ChannelKind channel, bool isFragment, ushort id, ushort index, ushort count, ReadOnlySpan<byte> data)
    {
        Channel = channel;
        IsFragment = isFragment;
        Id = id;
        FragmentIndex = index;
        FragmentCount = count;
        Data = data;
    }

    public static int HeaderSize(ChannelKind channel, bool fragment) =>
        3 + (channel != ChannelKind.Unreliable || fragment ? 2 : 0) + (fragment ? 4 : 0);

    /// <summary>Writes a record; returns bytes written, or 0 when it does not fit.</summary>
    public static int Write(Span<byte> destination, ChannelKind channel, ushort id, ushort fragmentIndex, ushort fragmentCount, ReadOnlySpan<byte> data)
    {
        bool fragment = fragmentCount > 0;
        int header = HeaderSize(channel, fragment);
        if (header + data.Length > destination.Length) return 0;
        destination[0] = (byte)((byte)channel | (fragment ? FragmentFlag : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)data.Length);
        int at = 3;
        if (channel != ChannelKind.Unreliable || fragment)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], id);
            at += 2;
        }
        if (fragment)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], fragmentIndex);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 2)..], fragmentCount);
            at += 4;
        }
        data.CopyTo(destination[at..]);
        return at + data.Length;
    }

    /// <summary>Reads the next record, validating every field before the data is touched.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int maxFragments, out MessageRecord record, out int consumed)
    {
        record = default;
        consumed = 0;
        if (source.Length < 3) return false;
        byte flags = source[0];
        if ((flags & ReservedMask) != 0) return false;
        var channel = (ChannelKind)(flags & ChannelMask);
        bool fragment = (flags & FragmentFlag) != 0;
        int header = HeaderSize(channel, fragment);
        if (source.Length < header) return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(source[1..]);
        if (length > source.Length - header) return false;
        ushort id = 0, index = 0, count = 0;
        int at = 3;
        if (channel != ChannelKind.Unreliable || fragment)
        {
            id = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
            at += 2;
        }
        if (fragment)
        {
            index = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
            count = BinaryPrimitives.ReadUInt16LittleEndian(source[(at + 2)..]);
            if (count < 2 || count > maxFragments || index >= count) return false;
        }
        record = new MessageRecord(channel, fragment, id, index, count, source.Slice(header, length));
        consumed = header + length;
        return true;
    }
}
