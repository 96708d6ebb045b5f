using System.Buffers.Binary;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A real connect-token issuer for tests: user id, expiry and user data signed with HMAC-SHA256, so a
/// test can check that the token the auth service handed out names the right player and has not been altered.
/// </summary>
public sealed class TestConnectTokenIssuer(TimeProvider time) : IConnectTokenIssuer
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public byte[] IssueConnectToken(long userId, ReadOnlySpan<byte> userData, TimeSpan lifetime)
    {
        var token = new byte[16 + userData.Length + 32];
        BinaryPrimitives.WriteInt64BigEndian(token, userId);
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(8), (time.GetUtcNow() + lifetime).ToUnixTimeMilliseconds());
        userData.CopyTo(token.AsSpan(16));
        HMACSHA256.HashData(_key, token.AsSpan(0, 16 + userData.Length), token.AsSpan(16 + userData.Length));
        return token;
    }

    /// <summary>Returns the user id and user data of a genuine, unexpired token, or null.</summary>
    public (long UserId, byte[] UserData)? Verify(byte[] token)
    {
        if (token.Length < 48)
        {
            return null;
        }
        int signed = token.Length - 32;
        byte[] expected = HMACSHA256.HashData(_key, token.AsSpan(0, signed));
        if (!CryptographicOperations.FixedTimeEquals(expected, token.AsSpan(signed)))
        {
            return null;
        }
        if (BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(8)) <= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }
        return (BinaryPrimitives.ReadInt64BigEndian(token), token[16..signed]);
    }
}
