using Traktor.Ecs.Net.Transport.Security;
using T = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>Sizes and offsets of every packet (docs/PROTOCOL.md is the normative description).</summary>
internal static class PacketLayout
{
    public const byte TypeMask = 0x0F;
    public const byte CompressedFlag = 0x10;

    /// <summary>Prefix + 64-bit sequence: the clear header of every encrypted packet.</summary>
    public const int SealedHeaderSize = 9;

    // Connection request: prefix, version, protocol id, schema hash, token expiry, token nonce, sealed token.
    public const int RequestVersion = 1;
    public const int RequestProtocolId = 9;
    public const int RequestSchemaHash = 17;
    public const int RequestExpires = 25;
    public const int RequestNonce = 33;
    public const int RequestToken = RequestNonce + T.NonceSize; // 45
    public const int RequestSize = RequestToken + T.PrivateEncryptedSize; // 557

    // Insecure request: prefix, version, protocol id, schema hash, client id.
    public const int InsecureRequestClientId = 25;
    public const int InsecureRequestSize = 33;

    // Cookie: timestamp and MAC. Insecure challenge: prefix + cookie. Secure challenge: the cookie sealed
    // under the token's server-to-client key, so only the token's holder can read it and nobody can forge one.
    public const int CookieSize = 8 + ChallengeCookie.MacSize; // 24
    public const int CookieMac = 8;
    public const int InsecureChallengeSize = 1 + CookieSize; // 25
    public const int ChallengeSize = SealedHeaderSize + CookieSize + PacketCipher.TagSize; // 49

    // Response = request bytes 1.. + cookie timestamp + cookie MAC + sequence (+ tag in secure mode).
    public const int ResponseSize = RequestSize + 8 + ChallengeCookie.MacSize + 8 + PacketCipher.TagSize; // 605
    public const int InsecureResponseSize = InsecureRequestSize + 8 + ChallengeCookie.MacSize + 8; // 65

    /// <summary>Reason byte of Denied and Disconnect packets.</summary>
    public const int ReasonPlaintextSize = 1;

    /// <summary>ack (2) + ack bits (4) at the start of a payload's plaintext.</summary>
    public const int AckHeaderSize = 6;

    /// <summary>Largest message record header: flags, length, id, fragment index and count.</summary>
    public const int MaxRecordHeaderSize = 9;

    /// <summary>Most message records in one payload; a receiver refuses packets with more (docs/PROTOCOL.md §7).</summary>
    public const int MaxRecordsPerPacket = 128;

    public const int MinimumMtu = 256;
    public const int MaximumMtu = 8192;
}
