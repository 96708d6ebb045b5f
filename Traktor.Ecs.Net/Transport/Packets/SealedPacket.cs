using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// The frame of every packet after the handshake: [prefix][sequence, 1–8 bytes LE][ciphertext][tag 16]. Bits 5–7 of the
/// prefix say how many sequence bytes follow, minus one, and the whole clear header is authenticated as associated data;
/// the AEAD nonce is the full 64-bit sequence. A connection writes only the low bytes the receiver needs to find the
/// full sequence near the newest one it accepted (<see cref="TruncatedBytes"/>, <see cref="Expand"/>, docs/PROTOCOL.md
/// §4); stateless packets write all of it. In insecure mode the tag is absent.
/// Frames keep their plaintext at <see cref="PacketLayout.SealedHeaderSize"/>, so a header of any length is written
/// right before it.
/// </summary>
internal static class SealedPacket
{
    public static int Overhead(PacketCipher? cipher, ulong sequence) => HeaderSize(sequence) + (cipher is null ? 0 : PacketCipher.TagSize);

    /// <summary>Bytes the sequence takes on the wire: 1 up to 255, 2 up to 65,535, … 8.</summary>
    public static int SequenceBytes(ulong sequence) => Math.Max(1, (64 - BitOperations.LeadingZeroCount(sequence) + 7) / 8);

    /// <summary>Prefix + sequence bytes.</summary>
    public static int HeaderSize(ulong sequence) => 1 + SequenceBytes(sequence);

    /// <summary>
    /// Bytes a connection writes for <paramref name="sequence"/> when <paramref name="unacknowledged"/> is its distance
    /// from the newest packet the peer acknowledged (sequence + 1 before any): twice that distance must fit (RFC 9000
    /// A.2), since the receiver's newest packet is at least the acknowledged one. 1 byte while fewer than 128 are
    /// unacknowledged, and never more than the whole sequence takes.
    /// </summary>
    public static int TruncatedBytes(ulong sequence, ulong unacknowledged)
    {
        int bits = 64 - BitOperations.LeadingZeroCount(unacknowledged) + 1;
        return Math.Min(SequenceBytes(sequence), (bits + 7) / 8);
    }

    /// <summary>
    /// The full sequence whose low <paramref name="bytes"/> bytes are <paramref name="truncated"/>, nearest to
    /// <paramref name="expected"/> (the newest accepted + 1; RFC 9000 A.3). A wrong guess, for a packet delayed by more
    /// than half the window, only makes the packet fail to open: the nonce is the full sequence.
    /// </summary>
    public static ulong Expand(ulong truncated, int bytes, ulong expected)
    {
        if (bytes >= 8) return truncated;
        ulong window = 1UL << (bytes * 8), half = window >> 1, mask = window - 1;
        ulong candidate = (expected & ~mask) | truncated;
        if (candidate + half <= expected && candidate <= ulong.MaxValue - window) return candidate + window;
        if (candidate > expected + half && candidate >= window) return candidate - window;
        return candidate;
    }

    /// <summary>
    /// Writes the clear header of <paramref name="prefix"/> (type and compression flag; the length bits are set here)
    /// and <paramref name="sequence"/> so that it ends right where the frame's plaintext begins; returns where it starts.
    /// </summary>
    public static int WriteHeader(Span<byte> frame, byte prefix, ulong sequence, int bytes = 0)
    {
        if (bytes == 0) bytes = SequenceBytes(sequence);
        int start = PacketLayout.SealedHeaderSize - 1 - bytes;
        frame[start] = (byte)((prefix & ~PacketLayout.SequenceLengthMask) | ((bytes - 1) << PacketLayout.SequenceLengthShift));
        Span<byte> little = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(little, sequence);
        little[..bytes].CopyTo(frame[(start + 1)..]);
        return start;
    }

    /// <summary>
    /// Seals <paramref name="frame"/>: its header is written here, the plaintext starts at <see cref="PacketLayout.SealedHeaderSize"/>.
    /// Returns the datagram length written to <paramref name="datagram"/>. <paramref name="bytes"/>: how many low bytes of
    /// the sequence to write (0: all it takes).
    /// </summary>
    public static int Seal(PacketCipher? cipher, byte prefix, ulong sequence, Span<byte> frame, int plaintextLength, Span<byte> datagram, int bytes = 0)
    {
        int start = WriteHeader(frame, prefix, sequence, bytes);
        int headerLength = PacketLayout.SealedHeaderSize - start;
        var header = frame[start..PacketLayout.SealedHeaderSize];
        var plaintext = frame.Slice(PacketLayout.SealedHeaderSize, plaintextLength);
        header.CopyTo(datagram);
        if (cipher is null)
        {
            plaintext.CopyTo(datagram[headerLength..]);
            return headerLength + plaintextLength;
        }
        cipher.Encrypt(sequence, header, plaintext,
            datagram.Slice(headerLength, plaintextLength),
            datagram.Slice(headerLength + plaintextLength, PacketCipher.TagSize));
        return headerLength + plaintextLength + PacketCipher.TagSize;
    }

    /// <summary>
    /// Reads the clear header: the sequence bytes as written (the low bytes of a connection's sequence, see
    /// <see cref="Expand"/>); false when the datagram is too short for it.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out ulong sequence, out int headerLength)
    {
        sequence = 0;
        headerLength = 0;
        if (datagram.Length < PacketLayout.MinSealedHeaderSize) return false;
        int bytes = ((datagram[0] & PacketLayout.SequenceLengthMask) >> PacketLayout.SequenceLengthShift) + 1;
        if (datagram.Length < 1 + bytes) return false;
        Span<byte> little = stackalloc byte[8];
        little.Clear();
        datagram.Slice(1, bytes).CopyTo(little);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(little);
        headerLength = 1 + bytes;
        return true;
    }

    /// <summary>
    /// Authenticates and decrypts into <paramref name="plaintext"/> a packet whose header holds its whole sequence (a
    /// stateless one); returns the plaintext length or −1.
    /// </summary>
    public static int Open(PacketCipher? cipher, ReadOnlySpan<byte> datagram, Span<byte> plaintext) =>
        TryReadHeader(datagram, out ulong sequence, out int headerLength) ? Open(cipher, datagram, sequence, headerLength, plaintext) : -1;

    /// <summary>
    /// Opens a connection's packet whose full sequence was found nearest <paramref name="expected"/>; returns the plaintext
    /// length or −1.
    /// </summary>
    public static int OpenNear(PacketCipher? cipher, ReadOnlySpan<byte> datagram, ulong expected, Span<byte> plaintext) =>
        TryReadHeader(datagram, out ulong low, out int headerLength) ? Open(cipher, datagram, Expand(low, headerLength - 1, expected), headerLength, plaintext) : -1;

    /// <summary>Authenticates and decrypts with the full <paramref name="sequence"/> as nonce; the plaintext length or −1.</summary>
    public static int Open(PacketCipher? cipher, ReadOnlySpan<byte> datagram, ulong sequence, int headerLength, Span<byte> plaintext)
    {
        int overhead = headerLength + (cipher is null ? 0 : PacketCipher.TagSize);
        if (datagram.Length < overhead) return -1;
        int length = datagram.Length - overhead;
        if (length > plaintext.Length) return -1;
        var body = datagram.Slice(headerLength, length);
        if (cipher is null)
        {
            body.CopyTo(plaintext);
            return length;
        }
        return cipher.TryDecrypt(sequence, datagram[..headerLength], body, datagram[(headerLength + length)..], plaintext)
            ? length
            : -1;
    }
}
