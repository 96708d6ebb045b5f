using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// Refresh tokens that name their session and their place in its rotation: <c>r1.</c> + base64url(session id (16 bytes),
/// generation (8 bytes, big-endian), 32 random bytes) + <c>.</c> + base64url(HMAC-SHA256 over the part before the dot).
/// <para>
/// The session row keeps only the hash of its current token, so a session holds one row however often it rotates, and a
/// leaked database still holds no usable token. A spent token is recognized without a row of its own: its MAC is genuine
/// and its generation is below the session's. The MAC key is derived from the access-token signing keys, so nobody
/// without them can make a token that looks spent and revokes someone else's session. Once a key has left
/// <see cref="Authentication.AuthenticationOptions.PreviousTokenSigningKeys"/>, tokens it signed are still honoured while
/// current (the hash decides that) but a replay of a spent one is only refused, not detected as reuse.
/// </para>
/// </summary>
internal sealed class RefreshTokenCodec
{
    /// <summary>The prefix of every token this codec issues (a token without it is a random string from an older store).</summary>
    public const string Prefix = "r1.";

    private const int SessionIdBytes = 16;
    private const int RandomBytes = 32;
    private const int BodyBytes = SessionIdBytes + 8 + RandomBytes;
    private static readonly byte[] KeyLabel = Encoding.ASCII.GetBytes("traktor refresh-token mac v1");

    private readonly byte[] _key;
    private readonly byte[][] _verificationKeys;

    /// <summary>Derives the MAC keys from signing keys already checked by <see cref="AccessTokenCodec"/>.</summary>
    public RefreshTokenCodec(byte[] signingKey, IReadOnlyList<byte[]> previousKeys)
    {
        _key = Derive(signingKey);
        _verificationKeys = [_key, .. previousKeys.Select(Derive)];
    }

    // A key of its own, so a refresh-token MAC can never serve as an access-token signature or the other way round.
    private static byte[] Derive(byte[] signingKey) => HMACSHA256.HashData(signingKey, KeyLabel);

    /// <summary>A fresh token for a session at a generation.</summary>
    public string Issue(byte[] sessionId, long generation)
    {
        Span<byte> body = stackalloc byte[BodyBytes];
        sessionId.CopyTo(body);
        BinaryPrimitives.WriteInt64BigEndian(body[SessionIdBytes..], generation);
        RandomNumberGenerator.Fill(body[(SessionIdBytes + 8)..]);
        string signedPart = Prefix + Base64Url.EncodeToString(body);
        return signedPart + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signedPart)));
    }

    /// <summary>
    /// Reads a token of this format: its session (hex) and generation, and whether a current or previous key made its MAC.
    /// Null when it is not of this format or malformed.
    /// </summary>
    public (string SessionId, long Generation, bool Genuine)? Read(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > OnlineLimits.MaxTokenLength)
        {
            return null;
        }
        int dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            return null;
        }
        string signedPart = token[..dot];
        Span<byte> body = stackalloc byte[BodyBytes + 8];
        Span<byte> mac = stackalloc byte[64];
        if (!Base64Url.IsValid(token.AsSpan(dot + 1)) || !Base64Url.IsValid(signedPart.AsSpan(Prefix.Length))
            || !Base64Url.TryDecodeFromChars(token.AsSpan(dot + 1), mac, out int macLength) || macLength != 32
            || !Base64Url.TryDecodeFromChars(signedPart.AsSpan(Prefix.Length), body, out int bodyLength) || bodyLength != BodyBytes)
        {
            return null;
        }
        byte[] signedBytes = Encoding.ASCII.GetBytes(signedPart);
        bool genuine = false;
        foreach (byte[] key in _verificationKeys)
        {
            genuine |= CryptographicOperations.FixedTimeEquals(mac[..32], HMACSHA256.HashData(key, signedBytes));
        }
        return (Convert.ToHexStringLower(body[..SessionIdBytes]), BinaryPrimitives.ReadInt64BigEndian(body[SessionIdBytes..]), genuine);
    }
}
