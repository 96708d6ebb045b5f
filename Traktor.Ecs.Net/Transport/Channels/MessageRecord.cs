using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// One message (or message fragment) inside a payload packet (docs/PROTOCOL.md §7):
/// [flags: channel in bits 0–1, fragment in bit 2, short length in bit 3, to the end in bit 4]
/// [length: u8 when short, none when to the end, else u16][id u16, unless unfragmented Unreliable]
/// [fragment index u16, fragment count u16, if fragment][data].
/// Most messages are shorter than 256 bytes and most packets carry one or two, so a length byte, and none at all for the
/// last record, saves 1–3 bytes per packet.
/// </summary>
internal readonly ref struct MessageRecord
{
    public const byte FragmentFlag = 0x04;

    /// <summary>The length is one byte (data of 1–255 bytes).</summary>
    public const byte ShortLengthFlag = 0x08;

    /// <summary>No length: the data runs to the end of the payload (only the last record can say so).</summary>
    public const byte ToEndFlag = 0x10;

    private const byte ChannelMask = 0x03;
    private const byte ReservedMask = 0xE0;

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

    /// <summary>Header bytes of a record whose length field takes <paramref name="lengthBytes"/> (0, 1 or 2).</summary>
    public static int HeaderSize(ChannelKind channel, bool fragment, int lengthBytes) =>
        1 + lengthBytes + (channel != ChannelKind.Unreliable || fragment ? 2 : 0) + (fragment ? 4 : 0);

    /// <summary>Bytes of the length field a sender writes for <paramref name="dataLength"/> bytes of data (not the last record).</summary>
    public static int LengthBytes(int dataLength) => dataLength < 256 ? 1 : 2;

    /// <summary>Writes a record; returns bytes written, or 0 when it does not fit.</summary>
    public static int Write(Span<byte> destination, ChannelKind channel, ushort id, ushort fragmentIndex, ushort fragmentCount, ReadOnlySpan<byte> data)
    {
        bool fragment = fragmentCount > 0;
        int lengthBytes = LengthBytes(data.Length);
        int header = HeaderSize(channel, fragment, lengthBytes);
        if (header + data.Length > destination.Length) return 0;
        destination[0] = (byte)((byte)channel | (fragment ? FragmentFlag : 0) | (lengthBytes == 1 ? ShortLengthFlag : 0));
        if (lengthBytes == 1) destination[1] = (byte)data.Length;
        else BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)data.Length);
        int at = 1 + lengthBytes;
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
        if (source.IsEmpty) return false;
        byte flags = source[0];
        if ((flags & ReservedMask) != 0) return false;
        bool toEnd = (flags & ToEndFlag) != 0, shortLength = (flags & ShortLengthFlag) != 0;
        if (toEnd && shortLength) return false;
        int lengthBytes = toEnd ? 0 : shortLength ? 1 : 2;
        var channel = (ChannelKind)(flags & ChannelMask);
        bool fragment = (flags & FragmentFlag) != 0;
        int header = HeaderSize(channel, fragment, lengthBytes);
        if (source.Length < header) return false;
        int length = lengthBytes switch
        {
            0 => source.Length - header,
            1 => source[1],
            _ => BinaryPrimitives.ReadUInt16LittleEndian(source[1..]),
        };
        if (length > source.Length - header) return false;
        ushort id = 0, index = 0, count = 0;
        int at = 1 + lengthBytes;
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

    /// <summary>
    /// Rewrites the record at <paramref name="start"/> of <paramref name="payload"/>, the last one written, to run to the
    /// end (its length field dropped, the bytes after it moved up); returns the payload's new length.
    /// </summary>
    public static int MakeLast(Span<byte> payload, int start, int end)
    {
        byte flags = payload[start];
        int lengthBytes = (flags & ShortLengthFlag) != 0 ? 1 : 2;
        payload[(start + 1 + lengthBytes)..end].CopyTo(payload[(start + 1)..]);
        payload[start] = (byte)((flags & ~ShortLengthFlag) | ToEndFlag);
        return end - lengthBytes;
    }
}
