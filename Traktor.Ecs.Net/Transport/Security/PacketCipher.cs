using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Authenticated encryption of one direction of a connection: ChaCha20-Poly1305, or AES-GCM where the
/// platform lacks ChaCha20. The 64-bit packet sequence is the nonce; callers never repeat one per key.
/// </summary>
public sealed class PacketCipher : IDisposable
{
    /// <summary>Key size in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>Authentication tag size in bytes.</summary>
    public const int TagSize = 16;

    private readonly ChaCha20Poly1305? _chacha;
    private readonly AesGcm? _aes;

    /// <summary>Creates a cipher for a 32-byte key.</summary>
    public PacketCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A key has {KeySize} bytes.", nameof(key));
        if (ChaCha20Poly1305.IsSupported) _chacha = new ChaCha20Poly1305(key);
        else _aes = new AesGcm(key, TagSize);
    }

    /// <summary>Which algorithm this platform uses.</summary>
    public static string AlgorithmName => ChaCha20Poly1305.IsSupported ? "ChaCha20-Poly1305" : "AES-256-GCM";

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length) and writes the tag.</summary>
    public void Encrypt(ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, sequence);
        if (_chacha is not null) _chacha.Encrypt(nonce, plaintext, ciphertext, tag[..TagSize], associatedData);
        else _aes!.Encrypt(nonce, plaintext, ciphertext, tag[..TagSize], associatedData);
    }

    /// <summary>Decrypts and verifies; false for any forged, altered or mis-keyed input.</summary>
    public bool TryDecrypt(ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        if (tag.Length != TagSize || plaintext.Length < ciphertext.Length) return false;
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, sequence);
        try
        {
            if (_chacha is not null) _chacha.Decrypt(nonce, ciphertext, tag, plaintext[..ciphertext.Length], associatedData);
            else _aes!.Decrypt(nonce, ciphertext, tag, plaintext[..ciphertext.Length], associatedData);
            return true;
        }
        catch (CryptographicException)
        {
            // The BCL has no non-throwing decrypt; a forged packet costs one exception and is dropped.
            return false;
        }
    }

    private static void WriteNonce(Span<byte> nonce, ulong sequence)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], sequence);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _chacha?.Dispose();
        _aes?.Dispose();
    }
}
