using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// Signs and checks access tokens: <c>v1.</c> + base64url(payload) + <c>.</c> + base64url(HMAC-SHA256),
/// where the payload is user id, issue time, expiry (Unix ms, big-endian) and the 16-byte session id.
/// A binary payload keeps tokens short and leaves nothing to misparse. New tokens are signed with the current
/// key; tokens signed with a previous key still verify until they expire, so rotating the key logs nobody out.
/// </summary>
internal sealed class AccessTokenCodec
{
    private const string Prefix = "v1.";
    private const int PayloadBytes = 8 + 8 + 8 + 16;
    private const int MaxPreviousKeys = 3;
    private readonly byte[] _key;
    private readonly byte[][] _verificationKeys;

    public AccessTokenCodec(byte[] signingKey, IReadOnlyList<byte[]>? previousKeys = null)
    {
        if (signingKey is null || signingKey.Length < 32)
        {
            throw new ArgumentException("The token signing key must be at least 32 bytes.", nameof(signingKey));
        }

        // Anyone who guesses the key forges any player's access token: refuse what people type or leave at default
        // (new byte[32], a repeated byte, a short word), as the backend's configuration check does.
        double bits = KeyStrength.EstimatedBits<byte>(signingKey);
        if (bits < KeyStrength.MinSigningKeyBits)
        {
            throw new ArgumentException(
                $"The token signing key does not look random ({bits:0} bits of estimated entropy, at least {KeyStrength.MinSigningKeyBits:0} needed): "
                + "generate it once with RandomNumberGenerator.GetBytes(32) and keep it secret and stable across restarts.", nameof(signingKey));
        }
        previousKeys ??= [];
        if (previousKeys.Count > MaxPreviousKeys || previousKeys.Any(key => key is null || key.Length < 32))
        {
            throw new ArgumentException($"At most {MaxPreviousKeys} previous signing keys, each at least 32 bytes.", nameof(previousKeys));
        }

        if (previousKeys.Any(key => KeyStrength.EstimatedBits<byte>(key) < KeyStrength.MinSigningKeyBits))
        {
            throw new ArgumentException($"A previous signing key does not look random (at least {KeyStrength.MinSigningKeyBits:0} bits of estimated entropy needed).", nameof(previousKeys));
        }
        _key = (byte[])signingKey.Clone();
        _verificationKeys = [_key, .. previousKeys.Select(key => (byte[])key.Clone())];
    }

    public string Issue(long userId, byte[] sessionId, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        Span<byte> payload = stackalloc byte[PayloadBytes];
        BinaryPrimitives.WriteInt64BigEndian(payload, userId);
        BinaryPrimitives.WriteInt64BigEndian(payload[8..], issuedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(payload[16..], expiresAt.ToUnixTimeMilliseconds());
        sessionId.CopyTo(payload[24..]);
        string signedPart = Prefix + Base64Url.EncodeToString(payload);
        return signedPart + "." + Base64Url.EncodeToString(Sign(signedPart));
    }

    /// <summary>Checks the signature and expiry. Returns null for anything malformed, forged or expired.</summary>
    public AccessTokenClaims? Read(string? token, DateTimeOffset now)
    {
        if (token is null || token.Length > OnlineLimits.MaxTokenLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        int dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            return null;
        }
        string signedPart = token[..dot];
        Span<byte> signature = stackalloc byte[64];
        Span<byte> payload = stackalloc byte[64];
        // TryDecode only reports a too-small destination; malformed base64url still throws, so check validity first.
        if (!Base64Url.IsValid(token.AsSpan(dot + 1)) || !Base64Url.IsValid(signedPart.AsSpan(Prefix.Length))
            || !Base64Url.TryDecodeFromChars(token.AsSpan(dot + 1), signature, out int signatureLength) || signatureLength != 32
            || !Base64Url.TryDecodeFromChars(signedPart.AsSpan(Prefix.Length), payload, out int payloadLength) || payloadLength != PayloadBytes)
        {
            return null;
        }
        // Every key is tried, so the time taken does not tell which key (if any) signed the token.
        byte[] signedBytes = Encoding.ASCII.GetBytes(signedPart);
        bool genuine = false;
        foreach (byte[] key in _verificationKeys)
        {
            genuine |= CryptographicOperations.FixedTimeEquals(signature[..32], HMACSHA256.HashData(key, signedBytes));
        }
        if (!genuine)
        {
            return null;
        }
        long userId = BinaryPrimitives.ReadInt64BigEndian(payload);
        long expiresAtMs = BinaryPrimitives.ReadInt64BigEndian(payload[16..]);
        if (userId <= 0 || expiresAtMs <= now.ToUnixTimeMilliseconds())
        {
            return null;
        }
        return new AccessTokenClaims(userId, Convert.ToHexStringLower(payload.Slice(24, 16)), DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs));
    }

    private byte[] Sign(string signedPart) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signedPart));
}
