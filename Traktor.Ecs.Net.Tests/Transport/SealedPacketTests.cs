using System.Buffers.Binary;
using CsCheck;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The sealed packet header (docs/PROTOCOL.md §4–5): the sequence's low bytes, their count in the prefix, the header
/// authenticated, and per-connection keys so sequences can start at 0 (TRKNET06); a connection writes only as many
/// bytes as the receiver needs to find the full sequence near its newest (TRKNET10).
/// </summary>
public class SealedPacketTests
{
    private static readonly byte[] Key = Enumerable.Range(0, PacketCipher.KeySize).Select(i => (byte)(3 * i)).ToArray();

    public static TheoryData<ulong, int> Sequences => new()
    {
        { 0, 1 }, { 255, 1 }, { 256, 2 }, { 65_535, 2 }, { 65_536, 3 }, { (1UL << 24) - 1, 3 }, { 1UL << 24, 4 },
        { 1UL << 40, 6 }, { (1UL << 63) | 12345, 8 }, { ulong.MaxValue - 1, 8 },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void A_sequence_takes_the_fewest_bytes_and_round_trips_sealed_and_insecure(ulong sequence, int bytes)
    {
        using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, Key);
        foreach (var c in new[] { cipher, null })
        {
            byte[] plaintext = [0xAB, 0xCD, 0xEF, 1, 2, 3, 4];
            var datagram = Seal(c, (byte)PacketType.Payload | PacketLayout.CompressedFlag, sequence, plaintext);
            Assert.Equal(1 + bytes + plaintext.Length + (c is null ? 0 : PacketCipher.TagSize), datagram.Length);
            Assert.Equal(PacketType.Payload, (PacketType)(datagram[0] & PacketLayout.TypeMask));
            Assert.Equal(PacketLayout.CompressedFlag, datagram[0] & PacketLayout.CompressedFlag);
            Assert.Equal(bytes - 1, (datagram[0] & PacketLayout.SequenceLengthMask) >> PacketLayout.SequenceLengthShift);
            Assert.True(SealedPacket.TryReadHeader(datagram, out ulong read, out int headerLength));
            Assert.Equal((sequence, 1 + bytes), (read, headerLength));
            var opened = new byte[64];
            Assert.Equal(plaintext.Length, SealedPacket.Open(c, datagram, opened));
            Assert.Equal(plaintext, opened[..plaintext.Length]);
        }
    }

    [Fact]
    public void A_header_cut_short_is_refused()
    {
        Assert.False(SealedPacket.TryReadHeader([(byte)PacketType.Payload | PacketLayout.SequenceLengthMask, 1, 2, 3], out _, out _)); // 8 bytes announced, 3 present
        Assert.Equal(-1, SealedPacket.Open(null, [(byte)PacketType.Payload | (1 << PacketLayout.SequenceLengthShift), 5], new byte[64]));
    }

    [Fact]
    public void Truncated_sequences_expand_to_the_one_nearest_the_expected_sequence()
    {
        // RFC 9000 A.3: the full sequence is found when it lies within half the window of the expected one.
        Gen.Select(Gen.ULong[0, 1UL << 40], Gen.Int[1, 7], Gen.Long).Sample((expected, bytes, offset) =>
        {
            long half = 1L << (bytes * 8 - 1);
            long delta = offset % half; // strictly inside the half window
            if (delta < 0 && (ulong)(-delta) > expected) return;
            ulong sequence = (ulong)((long)expected + delta);
            ulong low = sequence & ((1UL << (bytes * 8)) - 1);
            Assert.Equal(sequence, SealedPacket.Expand(low, bytes, expected));
        });
        Assert.Equal(5UL, SealedPacket.Expand(5, 1, 1)); // a new connection's first packets
        Assert.Equal(0x1_05UL, SealedPacket.Expand(0x05, 1, 0xFE)); // across a byte boundary
        Assert.Equal(0xFBUL, SealedPacket.Expand(0xFB, 1, 0x1_02)); // a little late, back across it
        Assert.Equal(12345UL, SealedPacket.Expand(12345, 8, 7)); // stateless packets carry all 8 bytes
    }

    [Theory]
    [InlineData(0UL, 1UL, 1)]
    [InlineData(300UL, 127UL, 1)]
    [InlineData(300UL, 128UL, 2)]
    [InlineData(70_000UL, 40_000UL, 3)]
    [InlineData(100UL, 200UL, 1)] // never more bytes than the whole sequence takes
    [InlineData(1UL << 40, 1UL << 40, 6)]
    public void A_connection_writes_as_many_bytes_as_twice_its_unacknowledged_packets_need(ulong sequence, ulong unacknowledged, int bytes)
    {
        Assert.Equal(bytes, SealedPacket.TruncatedBytes(sequence, unacknowledged));
    }

    [Fact]
    public void The_header_is_authenticated()
    {
        using var cipher = new PacketCipher((PacketCipher.LocallySupported & CipherSuites.Aes256Gcm) != 0 ? CipherSuites.Aes256Gcm : CipherSuites.ChaCha20Poly1305, Key);
        var datagram = Seal(cipher, (byte)PacketType.Payload, 300, [1, 2, 3, 4, 5, 6]);
        var opened = new byte[64];
        var flipped = datagram.ToArray();
        flipped[0] ^= PacketLayout.CompressedFlag;
        Assert.Equal(-1, SealedPacket.Open(cipher, flipped, opened));
        var otherSequence = datagram.ToArray();
        otherSequence[1] ^= 1;
        Assert.Equal(-1, SealedPacket.Open(cipher, otherSequence, opened));
        Assert.Equal(6, SealedPacket.Open(cipher, datagram, opened));
    }

    [Fact]
    public void Each_connection_gets_its_own_keys_from_the_cookie_and_the_client_random()
    {
        // Sequences start at 0 on every connection, so a packet of one connection must never open on another one of the
        // same token: another cookie (another server process, or another moment) or another client random gives other keys.
        byte[] tokenClientToServer = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        byte[] tokenServerToClient = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        byte[] cookie = Enumerable.Range(7, PacketLayout.CookieSize).Select(i => (byte)i).ToArray();
        byte[] random = Enumerable.Range(50, PacketLayout.ClientRandomSize).Select(i => (byte)i).ToArray();
        byte[] otherCookie = cookie.ToArray();
        otherCookie[^1] ^= 1;
        byte[] otherRandom = random.ToArray();
        otherRandom[0] ^= 1;

        var (c2s, s2c) = ConnectionKeys.Derive(CipherSuites.ChaCha20Poly1305, tokenClientToServer, tokenServerToClient, cookie, random);
        var (sameC2s, sameS2c) = ConnectionKeys.Derive(CipherSuites.ChaCha20Poly1305, tokenClientToServer, tokenServerToClient, cookie, random);
        var (cookieC2s, cookieS2c) = ConnectionKeys.Derive(CipherSuites.ChaCha20Poly1305, tokenClientToServer, tokenServerToClient, otherCookie, random);
        var (randomC2s, randomS2c) = ConnectionKeys.Derive(CipherSuites.ChaCha20Poly1305, tokenClientToServer, tokenServerToClient, cookie, otherRandom);
        using var tokenKey = new PacketCipher(CipherSuites.ChaCha20Poly1305, tokenClientToServer);
        var opened = new byte[16];

        var fromClient = Seal(c2s, (byte)PacketType.Payload, 0, [1, 2, 3]);
        Assert.Equal(3, SealedPacket.Open(sameC2s, fromClient, opened)); // both ends derive the same keys
        Assert.Equal(-1, SealedPacket.Open(cookieC2s, fromClient, opened));
        Assert.Equal(-1, SealedPacket.Open(randomC2s, fromClient, opened));
        Assert.Equal(-1, SealedPacket.Open(tokenKey, fromClient, opened)); // not the token's key itself
        Assert.Equal(-1, SealedPacket.Open(s2c, fromClient, opened)); // nor the other direction's

        var fromServer = Seal(s2c, (byte)PacketType.Payload, 0, [4, 5, 6]);
        Assert.Equal(3, SealedPacket.Open(sameS2c, fromServer, opened));
        Assert.Equal(-1, SealedPacket.Open(cookieS2c, fromServer, opened));
        Assert.Equal(-1, SealedPacket.Open(randomS2c, fromServer, opened));

        foreach (var cipher in new[] { c2s, s2c, sameC2s, sameS2c, cookieC2s, cookieS2c, randomC2s, randomS2c }) cipher.Dispose();
        Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(random), ConnectionKeys.ResponseNonce(random));
    }

    private static byte[] Seal(PacketCipher? cipher, byte prefix, ulong sequence, ReadOnlySpan<byte> plaintext)
    {
        var frame = new byte[PacketLayout.SealedHeaderSize + plaintext.Length];
        plaintext.CopyTo(frame.AsSpan(PacketLayout.SealedHeaderSize));
        var datagram = new byte[SealedPacket.Overhead(cipher, sequence) + plaintext.Length];
        Assert.Equal(datagram.Length, SealedPacket.Seal(cipher, prefix, sequence, frame, plaintext.Length, datagram));
        return datagram;
    }
}
