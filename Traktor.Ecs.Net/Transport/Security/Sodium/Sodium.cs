namespace Traktor.Ecs.Net.Transport.Security.Sodium;

/// <summary>One-time libsodium initialisation and what this CPU supports.</summary>
internal static class Sodium
{
    static Sodium()
    {
        // sodium_init picks the fastest implementation for this CPU; 0 = done now, 1 = already done, −1 = failure.
        if (SodiumNative.sodium_init() < 0) throw new InvalidOperationException("libsodium failed to initialise.");
        HasAes256Gcm = SodiumNative.crypto_aead_aes256gcm_is_available() == 1;
    }

    /// <summary>
    /// True when the CPU has the AES and carry-less multiplication instructions libsodium's AES-256-GCM needs
    /// (AES-NI + PCLMUL on x86-64, the crypto extensions on ARMv8); without them only ChaCha20-Poly1305 is offered.
    /// </summary>
    public static bool HasAes256Gcm { get; }

    /// <summary>Runs the static constructor (initialises libsodium) if it has not run yet.</summary>
    public static void EnsureInitialized() => _ = HasAes256Gcm;
}
