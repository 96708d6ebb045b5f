using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// A connection's own keys (docs/PROTOCOL.md §5): HKDF-SHA256 of the token's client-to-server and server-to-client
/// keys, salted with the challenge cookie (its MAC is keyed by a secret each server process draws at start) and the
/// client's random. Fresh keys per connection let both directions count sequences from 0, so the nonce need not be
/// sent in full, and still never repeat a (key, nonce) pair: not after a server restart (new secret, new cookie),
/// not when a client reuses a token (new random), and a token connects only once per server anyway (§3.6).
/// </summary>
internal static class ConnectionKeys
{
    private static ReadOnlySpan<byte> ClientToServerInfo => "TRKNET19 client to server"u8;

    private static ReadOnlySpan<byte> ServerToClientInfo => "TRKNET19 server to client"u8;

    /// <summary>The salt: the 24-byte cookie followed by the 16-byte client random.</summary>
    public const int SaltSize = PacketLayout.CookieSize + PacketLayout.ClientRandomSize;

    /// <summary>Creates the connection's two ciphers of <paramref name="suite"/>.</summary>
    public static (PacketCipher ClientToServer, PacketCipher ServerToClient) Derive(
        CipherSuites suite, ReadOnlySpan<byte> tokenClientToServerKey, ReadOnlySpan<byte> tokenServerToClientKey,
        ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> clientRandom)
    {
        Span<byte> salt = stackalloc byte[SaltSize];
        cookie[..PacketLayout.CookieSize].CopyTo(salt);
        clientRandom[..PacketLayout.ClientRandomSize].CopyTo(salt[PacketLayout.CookieSize..]);
        Span<byte> key = stackalloc byte[PacketCipher.KeySize];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, tokenClientToServerKey, key, salt, ClientToServerInfo);
            var clientToServer = new PacketCipher(suite, key);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, tokenServerToClientKey, key, salt, ServerToClientInfo);
            return (clientToServer, new PacketCipher(suite, key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The nonce sequence of a ChallengeResponse's tag: the first 8 bytes of the client random.</summary>
    public static ulong ResponseNonce(ReadOnlySpan<byte> clientRandom) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(clientRandom);
}
