using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>AEAD with an explicit 12-byte nonce, for connect tokens (random nonces under the long-lived server key).</summary>
internal sealed class ChaCha20OrAes : IDisposable
{
    private readonly ChaCha20Poly1305? _chacha;
    private readonly AesGcm? _aes;

    public ChaCha20OrAes(ReadOnlySpan<byte> key)
    {
        if (ChaCha20Poly1305.IsSupported) _chacha = new ChaCha20Poly1305(key);
        else _aes = new AesGcm(key, PacketCipher.TagSize);
    }

    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plain, Span<byte> cipher, Span<byte> tag)
    {
        if (_chacha is not null) _chacha.Encrypt(nonce, plain, cipher, tag, associated);
        else _aes!.Encrypt(nonce, plain, cipher, tag, associated);
    }

    public bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> cipher, ReadOnlySpan<byte> tag, Span<byte> plain)
    {
        try
        {
            if (_chacha is not null) _chacha.Decrypt(nonce, cipher, tag, plain, associated);
            else _aes!.Decrypt(nonce, cipher, tag, plain, associated);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _chacha?.Dispose();
        _aes?.Dispose();
    }
}
