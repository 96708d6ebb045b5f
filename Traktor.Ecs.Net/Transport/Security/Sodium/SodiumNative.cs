using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Transport.Security.Sodium;

/// <summary>
/// The few libsodium functions the transport calls (libsodium 1.0.22, shipped by the <c>libsodium</c> package for
/// every runtime identifier). Arguments are passed as <c>ref byte</c> to the first element of a span, so nothing is
/// copied or allocated; an empty span passes a null pointer with a zero length, which libsodium accepts.
/// </summary>
internal static class SodiumNative
{
    private const string Library = "libsodium";

    /// <summary>Size of <c>crypto_aead_aes256gcm_state</c> (512 bytes, 16-byte aligned).</summary>
    public const int Aes256GcmStateSize = 512;

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int sodium_init();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aes256gcm_is_available();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void sodium_memzero(IntPtr memory, nuint length);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aes256gcm_beforenm(IntPtr state, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aes256gcm_encrypt_detached_afternm(
        ref byte ciphertext, ref byte tag, IntPtr tagLength, ref byte message, ulong messageLength,
        ref byte associated, ulong associatedLength, IntPtr nsec, ref byte nonce, IntPtr state);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aes256gcm_decrypt_detached_afternm(
        ref byte message, IntPtr nsec, ref byte ciphertext, ulong ciphertextLength, ref byte tag,
        ref byte associated, ulong associatedLength, ref byte nonce, IntPtr state);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        ref byte ciphertext, ref byte tag, IntPtr tagLength, ref byte message, ulong messageLength,
        ref byte associated, ulong associatedLength, IntPtr nsec, ref byte nonce, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        ref byte message, IntPtr nsec, ref byte ciphertext, ulong ciphertextLength, ref byte tag,
        ref byte associated, ulong associatedLength, ref byte nonce, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aegis128l_encrypt_detached(
        ref byte ciphertext, ref byte tag, IntPtr tagLength, ref byte message, ulong messageLength,
        ref byte associated, ulong associatedLength, IntPtr nsec, ref byte nonce, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aegis128l_decrypt_detached(
        ref byte message, IntPtr nsec, ref byte ciphertext, ulong ciphertextLength, ref byte tag,
        ref byte associated, ulong associatedLength, ref byte nonce, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aegis256_encrypt_detached(
        ref byte ciphertext, ref byte tag, IntPtr tagLength, ref byte message, ulong messageLength,
        ref byte associated, ulong associatedLength, IntPtr nsec, ref byte nonce, ref byte key);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int crypto_aead_aegis256_decrypt_detached(
        ref byte message, IntPtr nsec, ref byte ciphertext, ulong ciphertextLength, ref byte tag,
        ref byte associated, ulong associatedLength, ref byte nonce, ref byte key);
}
