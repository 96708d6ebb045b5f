using Traktor.Ecs.Net.Transport.Security;
using T = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>Sizes and offsets of every packet (docs/PROTOCOL.md is the normative description).</summary>
internal static class PacketLayout
{
    public const byte TypeMask = 0x0F;
    public const byte CompressedFlag = 0x10;

    /// <summary>Bits 5–7 of a sealed packet's prefix: how many sequence bytes follow, minus one.</summary>
    public const byte SequenceLengthMask = 0xE0;
    public const int SequenceLengthShift = 5;

    /// <summary>The largest clear header of a sealed packet: prefix + all 8 sequence bytes (plaintext starts here in frames).</summary>
    public const int SealedHeaderSize = 9;

    /// <summary>The smallest clear header: prefix + one sequence byte.</summary>
    public const int MinSealedHeaderSize = 2;

    // Connection request: prefix, version, protocol id, schema hash, token expiry, token nonce, sealed token,
    // the cipher suites the client offers.
    public const int RequestVersion = 1;
    public const int RequestProtocolId = 9;
    public const int RequestSchemaHash = 17;
    public const int RequestExpires = 25;
    public const int RequestNonce = 33;
    public const int RequestToken = RequestNonce + T.NonceSize; // 45
    public const int RequestSuites = RequestToken + T.PrivateEncryptedSize; // 557
    public const int RequestSize = RequestSuites + 1; // 558

    // Fixed forever, in every version: a request is a datagram whose prefix has type 0 or 6 and whose bytes 1 … 8 are
    // the version string (the family "TRKNET" and two digits). A server of another version reads no further.
    public const int VersionFamilySize = 6;

    // Version mismatch answer (type 8, fixed forever): prefix 0x08, the server's version string, and the first 8 bytes
    // of SHA-256 of the request it answers (the echo, so only the party that sent the request can match it).
    public const int VersionAnswerVersion = 1;
    public const int VersionAnswerEcho = 9;
    public const int VersionAnswerEchoSize = 8;
    public const int VersionAnswerSize = VersionAnswerEcho + VersionAnswerEchoSize; // 17

    // Insecure request: prefix, version, protocol id, schema hash, client id.
    public const int InsecureRequestClientId = 25;
    public const int InsecureRequestSize = 33;

    // Cookie: timestamp and MAC. Insecure challenge: prefix + cookie. Secure challenge: the cookie and the chosen
    // cipher suite sealed under the token's server-to-client key, so only the token's holder can read it and nobody
    // can forge one.
    public const int CookieSize = 8 + ChallengeCookie.MacSize; // 24
    public const int CookieMac = 8;
    public const int InsecureChallengeSize = 1 + CookieSize; // 25
    public const int ChallengePlaintextSize = CookieSize + 1; // 25: cookie, chosen suite
    public const int ChallengeSize = SealedHeaderSize + ChallengePlaintextSize + PacketCipher.TagSize; // 50

    // Secure response = request bytes 1.. + cookie timestamp + cookie MAC + chosen suite + client random + tag. The
    // connection's keys are derived from the token's keys, the cookie and the client random (docs/PROTOCOL.md §5).
    public const int ResponseCookie = RequestSize; // 558
    public const int ResponseSuite = ResponseCookie + CookieSize; // 582
    public const int ResponseRandom = ResponseSuite + 1; // 583
    public const int ClientRandomSize = 16;
    public const int ResponseTag = ResponseRandom + ClientRandomSize; // 599
    public const int ResponseSize = ResponseTag + PacketCipher.TagSize; // 615
    public const int InsecureResponseSize = InsecureRequestSize + CookieSize; // 57

    /// <summary>Reason byte of Denied and Disconnect packets.</summary>
    public const int ReasonPlaintextSize = 1;

    /// <summary>The longest ack header at the start of a payload's plaintext (<see cref="AckHeader"/>; 3 bytes as a rule).</summary>
    public const int MaxAckHeaderSize = AckHeader.MaxSize;

    /// <summary>Largest message record header: flags, length, id, fragment index and count.</summary>
    public const int MaxRecordHeaderSize = 9;

    /// <summary>Most message records in one payload; a receiver refuses packets with more (docs/PROTOCOL.md §7).</summary>
    public const int MaxRecordsPerPacket = 128;

    public const int MinimumMtu = 256;
    public const int MaximumMtu = 8192;
}
