using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// The frame of every packet after the handshake: [prefix][sequence, 1–8 bytes LE][ciphertext][tag 16]. The sequence
/// is written in as few bytes as hold it (bits 5–7 of the prefix say how many, minus one) and the whole clear header
/// is authenticated as associated data; the AEAD nonce is the full 64-bit sequence. In insecure mode the tag is absent.
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
    /// Writes the clear header of <paramref name="prefix"/> (type and compression flag; the length bits are set here)
    /// and <paramref name="sequence"/> so that it ends right where the frame's plaintext begins; returns where it starts.
    /// </summary>
    public static int WriteHeader(Span<byte> frame, byte prefix, ulong sequence)
    {
        int bytes = SequenceBytes(sequence);
        int start = PacketLayout.SealedHeaderSize - 1 - bytes;
        frame[start] = (byte)((prefix & ~PacketLayout.SequenceLengthMask) | ((bytes - 1) << PacketLayout.SequenceLengthShift));
        Span<byte> little = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(little, sequence);
        little[..bytes].CopyTo(frame[(start + 1)..]);
        return start;
    }

    /// <summary>
    /// Seals <paramref name="frame"/>: its header is written here, the plaintext starts at <see cref="PacketLayout.SealedHeaderSize"/>.
    /// Returns the datagram length written to <paramref name="datagram"/>.
    /// </summary>
    public static int Seal(PacketCipher? cipher, byte prefix, ulong sequence, Span<byte> frame, int plaintextLength, Span<byte> datagram)
    {
        int start = WriteHeader(frame, prefix, sequence);
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
    /// Reads the clear header; false when the datagram is too short for it or the sequence is not written in the fewest
    /// bytes (one encoding per sequence, so the authenticated header of a sequence is unique).
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out ulong sequence, out int headerLength)
    {
        sequence = 0;
        headerLength = 0;
        if (datagram.Length < PacketLayout.MinSealedHeaderSize) return false;
        int bytes = ((datagram[0] & PacketLayout.SequenceLengthMask) >> PacketLayout.SequenceLengthShift) + 1;
        if (datagram.Length < 1 + bytes || (bytes > 1 && datagram[bytes] == 0)) return false;
        Span<byte> little = stackalloc byte[8];
        little.Clear();
        datagram.Slice(1, bytes).CopyTo(little);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(little);
        headerLength = 1 + bytes;
        return true;
    }

    /// <summary>Authenticates and decrypts into <paramref name="plaintext"/>; returns the plaintext length or −1.</summary>
    public static int Open(PacketCipher? cipher, ReadOnlySpan<byte> datagram, Span<byte> plaintext)
    {
        if (!TryReadHeader(datagram, out ulong sequence, out int headerLength)) return -1;
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
