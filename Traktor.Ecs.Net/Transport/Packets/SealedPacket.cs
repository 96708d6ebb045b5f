using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// The frame of every packet after the handshake: [prefix][sequence u64 LE][ciphertext][tag 16], the
/// first nine bytes authenticated as associated data. In insecure mode the tag is absent.
/// </summary>
internal static class SealedPacket
{
    public static int Overhead(PacketCipher? cipher) => PacketLayout.SealedHeaderSize + (cipher is null ? 0 : PacketCipher.TagSize);

    /// <summary>
    /// Seals <paramref name="frame"/>: its first nine bytes are filled with the header here, the rest is the plaintext.
    /// Returns the datagram length written to <paramref name="datagram"/>.
    /// </summary>
    public static int Seal(PacketCipher? cipher, byte prefix, ulong sequence, Span<byte> frame, int plaintextLength, Span<byte> datagram)
    {
        frame[0] = prefix;
        BinaryPrimitives.WriteUInt64LittleEndian(frame[1..], sequence);
        var header = frame[..PacketLayout.SealedHeaderSize];
        var plaintext = frame.Slice(PacketLayout.SealedHeaderSize, plaintextLength);
        header.CopyTo(datagram);
        if (cipher is null)
        {
            plaintext.CopyTo(datagram[PacketLayout.SealedHeaderSize..]);
            return PacketLayout.SealedHeaderSize + plaintextLength;
        }
        cipher.Encrypt(sequence, header, plaintext,
            datagram.Slice(PacketLayout.SealedHeaderSize, plaintextLength),
            datagram.Slice(PacketLayout.SealedHeaderSize + plaintextLength, PacketCipher.TagSize));
        return PacketLayout.SealedHeaderSize + plaintextLength + PacketCipher.TagSize;
    }

    public static ulong ReadSequence(ReadOnlySpan<byte> datagram) => BinaryPrimitives.ReadUInt64LittleEndian(datagram[1..]);

    /// <summary>Authenticates and decrypts into <paramref name="plaintext"/>; returns the plaintext length or −1.</summary>
    public static int Open(PacketCipher? cipher, ReadOnlySpan<byte> datagram, Span<byte> plaintext)
    {
        int overhead = Overhead(cipher);
        if (datagram.Length < overhead) return -1;
        int length = datagram.Length - overhead;
        if (length > plaintext.Length) return -1;
        var body = datagram.Slice(PacketLayout.SealedHeaderSize, length);
        if (cipher is null)
        {
            body.CopyTo(plaintext);
            return length;
        }
        return cipher.TryDecrypt(ReadSequence(datagram), datagram[..PacketLayout.SealedHeaderSize], body, datagram[(PacketLayout.SealedHeaderSize + length)..], plaintext)
            ? length
            : -1;
    }
}
