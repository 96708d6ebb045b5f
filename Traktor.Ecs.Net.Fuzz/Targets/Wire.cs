using System.Buffers.Binary;
using K4os.Compression.LZ4;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>What the transport targets share: addresses, keys, a fixed clock, and the sealing a real peer does.</summary>
internal static class Wire
{
    public const ulong ProtocolId = 0x5452_4B46_555A_5A31; // "TRKFUZZ1"

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly byte[] ServerKey = Enumerable.Range(1, PacketCipher.KeySize).Select(i => (byte)(i * 7)).ToArray();

    public static readonly NetAddress Server = NetAddress.Parse("127.0.0.1:40000");

    /// <summary>Where hostile datagrams come from: two would-be clients and one bystander.</summary>
    public static readonly NetAddress[] Peers =
    [
        NetAddress.Parse("127.0.0.2:50000"),
        NetAddress.Parse("127.0.0.3:50001"),
        NetAddress.Parse("10.1.2.3:50002"),
    ];

    public static FakeTimeProvider Clock() => new(Start);

    /// <summary>
    /// An issuer whose nonces and keys come from a generator seeded with <paramref name="seed"/>, not the system's: what a
    /// client does depends on its token (its keep-alives are spread by the nonce; a VersionMismatch answer echoes a hash
    /// of the request the token is in), so random tokens made the coverage of one input, and the run, differ from
    /// process to process.
    /// </summary>
    public static ConnectTokenIssuer Issuer(int seed) => new(ServerKey, ProtocolId, Clock()) { RandomForTests = Random(seed) };

    /// <summary>
    /// A seeded generator for a server's challenge-cookie key (<see cref="NetServerOptions"/>' test seam): a patch that
    /// rewrites a cookie byte with its own value leaves the cookie valid, and with a random key that happened in one run in 256.
    /// </summary>
    public static ConnectTokenIssuer.RandomFill Random(int seed) => new System.Random(seed).NextBytes;

    /// <summary>Seals <paramref name="plaintext"/> as a real peer would (no cipher: insecure mode).</summary>
    public static byte[] Seal(PacketCipher? cipher, byte prefix, ulong sequence, ReadOnlySpan<byte> plaintext)
    {
        var frame = new byte[PacketLayout.SealedHeaderSize + plaintext.Length];
        plaintext.CopyTo(frame.AsSpan(PacketLayout.SealedHeaderSize));
        var datagram = new byte[SealedPacket.Overhead(cipher, sequence) + plaintext.Length];
        SealedPacket.Seal(cipher, prefix, sequence, frame, plaintext.Length, datagram);
        return datagram;
    }

    /// <summary>
    /// A payload or disconnect packet from fuzz-chosen flags: bit 0 compresses the plaintext with LZ4 (as a peer
    /// that negotiated compression does), bit 1 sets the compressed flag on raw bytes, bit 2 makes it a
    /// Disconnect, bit 3 reuses the previous sequence (a replay).
    /// </summary>
    public static byte[] Payload(PacketCipher? cipher, byte flags, ref ulong sequence, ReadOnlySpan<byte> plaintext)
    {
        byte prefix = (byte)((flags & 4) != 0 ? PacketType.Disconnect : PacketType.Payload);
        if ((flags & 1) != 0 && !plaintext.IsEmpty)
        {
            var compressed = new byte[LZ4Codec.MaximumOutputSize(plaintext.Length)];
            int length = LZ4Codec.Encode(plaintext, compressed);
            plaintext = compressed.AsSpan(0, length);
            prefix |= PacketLayout.CompressedFlag;
        }
        if ((flags & 2) != 0) prefix |= PacketLayout.CompressedFlag;
        if ((flags & 8) == 0) sequence++;
        return Seal(cipher, prefix, sequence, plaintext);
    }

    /// <summary>The last datagram the peer under test sent to <paramref name="to"/> whose type is <paramref name="type"/>.</summary>
    public static byte[]? LastSent(ScriptedTransport transport, NetAddress to, PacketType type)
    {
        for (int i = transport.Sent.Count - 1; i >= 0; i--)
        {
            var (data, destination) = transport.Sent[i];
            if (destination == to && data.Length > 0 && (data[0] & PacketLayout.TypeMask) == (byte)type) return data;
        }
        return null;
    }

    public static void WriteVersions(Span<byte> request, ulong protocolId, ulong schemaHash)
    {
        ConnectTokenLayout.Version.CopyTo(request[PacketLayout.RequestVersion..]);
        BinaryPrimitives.WriteUInt64LittleEndian(request[PacketLayout.RequestProtocolId..], protocolId);
        BinaryPrimitives.WriteUInt64LittleEndian(request[PacketLayout.RequestSchemaHash..], schemaHash);
    }
}
