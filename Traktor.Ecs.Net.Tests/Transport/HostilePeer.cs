using System.Buffers.Binary;
using K4os.Compression.LZ4;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A connected, authenticated client that crafts its own payload packets: it completes the real handshake with a
/// <see cref="NetClient"/>, then seals whatever plaintext a test gives it under the connection's client-to-server key
/// (no key at all in insecure mode) with fresh sequences, exactly as a modified game client could.
/// </summary>
internal sealed class HostilePeer : IDisposable
{
    private const byte PayloadType = 4;
    private const byte CompressedFlag = 0x10;

    private readonly TransportHarness _harness;
    private readonly PacketCipher? _cipher;
    private ulong _sequence;

    private HostilePeer(TransportHarness harness, NetClient client, NetAddress address, PacketCipher? cipher)
    {
        _harness = harness;
        Client = client;
        Address = address;
        _cipher = cipher;
        // Far above anything the real client used, so the replay window accepts every crafted packet.
        _sequence = 10_000_000;
    }

    /// <summary>The client whose connection this peer speaks for (do not update it after connecting).</summary>
    public NetClient Client { get; }

    /// <summary>The address the server knows this connection by.</summary>
    public NetAddress Address { get; }

    /// <summary>Connects with a real handshake, secure or insecure as the harness's server is.</summary>
    public static HostilePeer Connect(TransportHarness h, ulong clientId, bool compression = false)
    {
        var client = h.AddClient(configure: o => o.Compression = compression);
        if (h.ServerOptions.Insecure) client.ConnectInsecure(h.ServerAddress, clientId);
        else client.Connect(h.IssueToken(clientId));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected), "hostile peer did not connect");
        h.Step();
        // Sealed with the connection's own key and suite, as the real client does.
        return new HostilePeer(h, client, h.ClientLinks[^1].LocalAddress, client.ConnectionSendCipher);
    }

    /// <summary>
    /// Speaks for <paramref name="client"/>, which connected with <paramref name="token"/> (null in insecure mode) from
    /// <paramref name="address"/>; do not update the client afterwards.
    /// </summary>
    public static HostilePeer For(TransportHarness h, NetClient client, NetAddress address, byte[]? token)
    {
        Assert.Equal(token is null, client.ConnectionSendCipher is null);
        return new HostilePeer(h, client, address, client.ConnectionSendCipher);
    }

    /// <summary>
    /// Bytes of the ack header the peer writes: zeros, the all-received form acknowledging packet 0 and the 32 before it,
    /// which the server never sent (docs/PROTOCOL.md §6); the records after it use the two-byte length of §7.
    /// </summary>
    public const int AckHeaderSize = 3;

    /// <summary>An ack header followed by <paramref name="count"/> Unreliable records of <paramref name="dataLength"/> bytes.</summary>
    public static byte[] UnreliableRecords(int count, int dataLength)
    {
        var payload = new byte[AckHeaderSize + count * (3 + dataLength)];
        for (int i = 0, at = AckHeaderSize; i < count; i++, at += 3 + dataLength)
        {
            payload[at] = 0; // Unreliable, not a fragment
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(at + 1), (ushort)dataLength);
            payload.AsSpan(at + 3, dataLength).Fill(0x80);
        }
        return payload;
    }

    /// <summary>An ack header followed by one record of any channel (a fragment when <paramref name="fragmentCount"/> &gt; 0).</summary>
    public static byte[] Record(byte channel, ushort id, ushort fragmentIndex, ushort fragmentCount, int dataLength)
    {
        bool fragment = fragmentCount > 0;
        int header = 3 + (channel != 0 || fragment ? 2 : 0) + (fragment ? 4 : 0);
        var payload = new byte[AckHeaderSize + header + dataLength];
        var record = payload.AsSpan(AckHeaderSize);
        record[0] = (byte)(channel | (fragment ? 0x04 : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(record[1..], (ushort)dataLength);
        int at = 3;
        if (channel != 0 || fragment)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(record[at..], id);
            at += 2;
        }
        if (fragment)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(record[at..], fragmentIndex);
            BinaryPrimitives.WriteUInt16LittleEndian(record[(at + 2)..], fragmentCount);
        }
        record[header..].Fill(0x5A);
        return payload;
    }

    /// <summary>Seals <paramref name="plaintext"/> as a payload packet (LZ4-compressed first when asked).</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, bool compress = false)
    {
        byte prefix = PayloadType;
        if (compress)
        {
            var compressed = new byte[LZ4Codec.MaximumOutputSize(plaintext.Length)];
            int length = LZ4Codec.Encode(plaintext, compressed);
            plaintext = compressed.AsSpan(0, length);
            prefix |= CompressedFlag;
        }
        ulong sequence = _sequence++;
        var frame = new byte[PacketLayout.SealedHeaderSize + plaintext.Length];
        plaintext.CopyTo(frame.AsSpan(PacketLayout.SealedHeaderSize));
        var datagram = new byte[SealedPacket.Overhead(_cipher, sequence) + plaintext.Length];
        SealedPacket.Seal(_cipher, prefix, sequence, frame, plaintext.Length, datagram);
        return datagram;
    }

    /// <summary>Delivers a datagram to the server from this peer's address.</summary>
    public void Send(byte[] datagram) => _harness.Network.Inject(datagram, Address, _harness.ServerAddress);

    public void Dispose()
    {
        // The cipher is the client's connection's own; the client disposes it.
    }
}
