using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Writes packets to a pcapng stream that Wireshark and tshark open: one raw-IP interface, each packet as
/// an IPv6 + UDP datagram between the real endpoints (IPv4 shown as ::ffff:a.b.c.d), with the plaintext
/// of our packet (before encryption, after decryption) as the UDP payload.
/// </summary>
public sealed class PcapngWriter : IDisposable
{
    /// <summary>Link type LINKTYPE_RAW: packets start with an IPv4 or IPv6 header.</summary>
    public const ushort LinkTypeRaw = 101;

    private const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionType = 1;
    private const uint EnhancedPacketType = 6;
    private const int IPv6HeaderSize = 40;
    private const int UdpHeaderSize = 8;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private byte[] _buffer = new byte[2048];

    /// <summary>Starts a capture on <paramref name="stream"/>, writing the section and interface headers.</summary>
    public PcapngWriter(Stream stream, bool ownsStream = true, TimeProvider? time = null)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _ownsStream = ownsStream;
        _time = time ?? TimeProvider.System;
        Span<byte> header = stackalloc byte[28 + 20];
        BinaryPrimitives.WriteUInt32LittleEndian(header, SectionHeaderType);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 28);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], -1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], 28);
        var idb = header[28..];
        BinaryPrimitives.WriteUInt32LittleEndian(idb, InterfaceDescriptionType);
        BinaryPrimitives.WriteUInt32LittleEndian(idb[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[8..], LinkTypeRaw);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(idb[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(idb[16..], 20);
        _stream.Write(header);
    }

    /// <summary>Packets written so far.</summary>
    public long PacketCount { get; private set; }

    /// <summary>Appends one packet sent from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public void Write(ReadOnlySpan<byte> udpPayload, in NetAddress source, in NetAddress destination)
    {
        int ipLength = IPv6HeaderSize + UdpHeaderSize + udpPayload.Length;
        int padded = (ipLength + 3) & ~3;
        int blockLength = 28 + padded + 4;
        // The interface's default resolution is microseconds (no if_tsresol option): packets of one tick stay apart.
        ulong micros = (ulong)((_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (TimeSpan.TicksPerMillisecond / 1000));
        lock (_lock)
        {
            if (_buffer.Length < blockLength) _buffer = new byte[blockLength * 2];
            var block = _buffer.AsSpan(0, blockLength);
            block.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(block, EnhancedPacketType);
            BinaryPrimitives.WriteUInt32LittleEndian(block[4..], (uint)blockLength);
            BinaryPrimitives.WriteUInt32LittleEndian(block[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)(micros >> 32));
            BinaryPrimitives.WriteUInt32LittleEndian(block[16..], (uint)micros);
            BinaryPrimitives.WriteUInt32LittleEndian(block[20..], (uint)ipLength);
            BinaryPrimitives.WriteUInt32LittleEndian(block[24..], (uint)ipLength);
            WriteIPv6Udp(block.Slice(28, ipLength), udpPayload, source, destination);
            BinaryPrimitives.WriteUInt32LittleEndian(block[^4..], (uint)blockLength);
            _stream.Write(block);
            PacketCount++;
        }
    }

    private static void WriteIPv6Udp(Span<byte> packet, ReadOnlySpan<byte> payload, in NetAddress source, in NetAddress destination)
    {
        int udpLength = UdpHeaderSize + payload.Length;
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)udpLength);
        packet[6] = 17; // UDP
        packet[7] = 64;
        source.WriteBytes(packet[8..24]);
        destination.WriteBytes(packet[24..40]);
        var udp = packet[IPv6HeaderSize..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        payload.CopyTo(udp[UdpHeaderSize..]);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], UdpChecksum(packet[8..40], udp[..udpLength]));
    }

    /// <summary>RFC 8200 §8.1: the UDP checksum over the IPv6 pseudo-header is mandatory.</summary>
    private static ushort UdpChecksum(ReadOnlySpan<byte> addresses, ReadOnlySpan<byte> udp)
    {
        ulong sum = 0;
        for (int i = 0; i < addresses.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(addresses[i..]);
        sum += (uint)udp.Length;
        sum += 17;
        int even = udp.Length & ~1;
        for (int i = 0; i < even; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(udp[i..]);
        if ((udp.Length & 1) != 0) sum += (uint)udp[^1] << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        ushort result = (ushort)~sum;
        return result == 0 ? (ushort)0xFFFF : result;
    }

    /// <summary>Flushes the stream.</summary>
    public void Flush()
    {
        lock (_lock) _stream.Flush();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _stream.Flush();
            if (_ownsStream) _stream.Dispose();
        }
    }
}
