namespace Traktor.Ecs.Net.Online.Security;

/// <summary>
/// The shape of a refresh token from before <see cref="RefreshTokenCodec"/>'s <c>r1.</c> format: 32 random bytes in unpadded
/// base64url, 43 characters of <c>A-Z a-z 0-9 - _</c>, the only shape that store ever issued. A presented token without the
/// <c>r1.</c> prefix is checked against it before the store is touched: anything else cannot match a row, and looking it up
/// would cost a connection and a query for every garbage string an attacker sends.
/// </summary>
internal static class LegacyRefreshToken
{
    /// <summary>The length of every legacy token: base64url of 32 bytes, without padding.</summary>
    public const int Length = 43;

    /// <summary>Whether <paramref name="token"/> has the legacy shape (whether the store knows it is another matter).</summary>
    public static bool IsWellFormed(string token)
    {
        if (token.Length != Length)
        {
            return false;
        }
        foreach (char c in token)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }
}
