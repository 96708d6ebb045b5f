using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport.Security.Sodium;
using Native = Traktor.Ecs.Net.Transport.Security.Sodium.SodiumNative;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Authenticated encryption with one key through libsodium: AES-256-GCM (its key schedule computed once, here) or
/// ChaCha20-Poly1305. Packets use the 64-bit sequence as the nonce (<see cref="Encrypt"/>); callers never repeat one
/// per key. Allocation-free per call; the expanded AES key lives in native memory, wiped and freed on dispose.
/// </summary>
public sealed class PacketCipher : IDisposable
{
    /// <summary>Key size in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>Authentication tag size in bytes.</summary>
    public const int TagSize = 16;

    /// <summary>Nonce size in bytes.</summary>
    public const int NonceSize = 12;

    private readonly byte[] _key = GC.AllocateUninitializedArray<byte>(KeySize, pinned: true);
    private IntPtr _aesMemory;
    private IntPtr _aesState;
    private bool _disposed;

    /// <summary>Creates a cipher of <paramref name="suite"/> (exactly one suite) for a 32-byte key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes, or <paramref name="suite"/> is not one suite.</exception>
    /// <exception cref="PlatformNotSupportedException">AES-256-GCM on a CPU without AES instructions.</exception>
    public PacketCipher(CipherSuites suite, ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A key has {KeySize} bytes.", nameof(key));
        if (suite is not (CipherSuites.ChaCha20Poly1305 or CipherSuites.Aes256Gcm)) throw new ArgumentException("Exactly one cipher suite.", nameof(suite));
        Sodium.Sodium.EnsureInitialized();
        Suite = suite;
        key.CopyTo(_key);
        if (suite == CipherSuites.Aes256Gcm)
        {
            if (!Sodium.Sodium.HasAes256Gcm) throw new PlatformNotSupportedException("AES-256-GCM needs AES instructions this CPU lacks.");
            // libsodium wants the state 16-byte aligned; AllocHGlobal guarantees only the platform's malloc alignment.
            _aesMemory = Marshal.AllocHGlobal(Native.Aes256GcmStateSize + 16);
            _aesState = (IntPtr)(((long)_aesMemory + 15) & ~15L);
            Native.crypto_aead_aes256gcm_beforenm(_aesState, ref _key[0]);
        }
    }

    /// <summary>The suite this cipher runs.</summary>
    public CipherSuites Suite { get; }

    /// <summary>The suites this process can run: ChaCha20-Poly1305 always, AES-256-GCM where the CPU has AES instructions.</summary>
    public static CipherSuites LocallySupported => CipherSuites.ChaCha20Poly1305 | (Sodium.Sodium.HasAes256Gcm ? CipherSuites.Aes256Gcm : 0);

    /// <summary>
    /// The suite a server picks from what both ends offer: AES-256-GCM when both can, else ChaCha20-Poly1305, else
    /// <see cref="CipherSuites.None"/> (the connection is refused).
    /// </summary>
    public static CipherSuites Choose(CipherSuites offered, CipherSuites allowed)
    {
        var common = offered & allowed & LocallySupported;
        if ((common & CipherSuites.Aes256Gcm) != 0) return CipherSuites.Aes256Gcm;
        if ((common & CipherSuites.ChaCha20Poly1305) != 0) return CipherSuites.ChaCha20Poly1305;
        return CipherSuites.None;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length) and writes the 16-byte tag.</summary>
    public void Encrypt(ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, sequence);
        Seal(nonce, associatedData, plaintext, ciphertext, tag);
    }

    /// <summary>Decrypts and verifies; false for any forged, altered or mis-keyed input (nothing is thrown).</summary>
    public bool TryDecrypt(ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, sequence);
        return TryOpen(nonce, associatedData, ciphertext, tag, plaintext);
    }

    /// <summary>Encrypts with an explicit 12-byte nonce (connect tokens: random nonces under the long-lived server key).</summary>
    internal void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (nonce.Length != NonceSize || ciphertext.Length < plaintext.Length || tag.Length < TagSize) throw new ArgumentException("Nonce, ciphertext or tag too small.");
        ref byte c = ref MemoryMarshal.GetReference(ciphertext);
        ref byte t = ref MemoryMarshal.GetReference(tag);
        ref byte m = ref MemoryMarshal.GetReference(plaintext);
        ref byte a = ref MemoryMarshal.GetReference(associatedData);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        if (Suite == CipherSuites.Aes256Gcm)
            Native.crypto_aead_aes256gcm_encrypt_detached_afternm(ref c, ref t, IntPtr.Zero, ref m, (ulong)plaintext.Length, ref a, (ulong)associatedData.Length, IntPtr.Zero, ref n, _aesState);
        else
            Native.crypto_aead_chacha20poly1305_ietf_encrypt_detached(ref c, ref t, IntPtr.Zero, ref m, (ulong)plaintext.Length, ref a, (ulong)associatedData.Length, IntPtr.Zero, ref n, ref _key[0]);
    }

    /// <summary>Decrypts and verifies with an explicit 12-byte nonce; false on any failure.</summary>
    internal bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (nonce.Length != NonceSize || tag.Length != TagSize || plaintext.Length < ciphertext.Length) return false;
        ref byte m = ref MemoryMarshal.GetReference(plaintext);
        ref byte c = ref MemoryMarshal.GetReference(ciphertext);
        ref byte t = ref MemoryMarshal.GetReference(tag);
        ref byte a = ref MemoryMarshal.GetReference(associatedData);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        int result = Suite == CipherSuites.Aes256Gcm
            ? Native.crypto_aead_aes256gcm_decrypt_detached_afternm(ref m, IntPtr.Zero, ref c, (ulong)ciphertext.Length, ref t, ref a, (ulong)associatedData.Length, ref n, _aesState)
            : Native.crypto_aead_chacha20poly1305_ietf_decrypt_detached(ref m, IntPtr.Zero, ref c, (ulong)ciphertext.Length, ref t, ref a, (ulong)associatedData.Length, ref n, ref _key[0]);
        return result == 0;
    }

    private static void WriteNonce(Span<byte> nonce, ulong sequence)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], sequence);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        FreeState();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native AES state of a cipher that was never disposed.</summary>
    ~PacketCipher() => FreeState();

    private void FreeState()
    {
        if (_aesMemory == IntPtr.Zero) return;
        Native.sodium_memzero(_aesState, Native.Aes256GcmStateSize);
        Marshal.FreeHGlobal(_aesMemory);
        _aesMemory = IntPtr.Zero;
        _aesState = IntPtr.Zero;
    }
}
