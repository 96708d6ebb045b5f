namespace Traktor.Ecs.Net;

/// <summary>
/// The AEADs a peer may use for a connection's packets (docs/PROTOCOL.md §4). On the wire this is one byte: the
/// client offers a set in its ConnectionRequest and the server picks one member, so both ends always agree; with no
/// common member the server refuses with <see cref="DisconnectReason.CipherMismatch"/>.
/// </summary>
[Flags]
public enum CipherSuites : byte
{
    /// <summary>No suite.</summary>
    None = 0,

    /// <summary>ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag. Fast everywhere in software.</summary>
    ChaCha20Poly1305 = 1,

    /// <summary>
    /// AES-256-GCM: 32-byte key, 12-byte nonce, 16-byte tag. Only offered and accepted where the CPU has AES and
    /// carry-less multiplication instructions; there it is the faster suite (docs/benchmarks.md), so a server picks
    /// it whenever both ends offer it.
    /// </summary>
    Aes256Gcm = 2,

    /// <summary>Every suite this version knows; each peer still drops those its CPU cannot run fast.</summary>
    All = ChaCha20Poly1305 | Aes256Gcm,
}
