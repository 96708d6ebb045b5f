namespace Traktor.Ecs.Net.Online;

/// <summary>What a successful login or refresh hands the player.</summary>
/// <param name="UserId">The player's id.</param>
/// <param name="Username">The player's username.</param>
/// <param name="AccessToken">A short-lived signed bearer token for the online services.</param>
/// <param name="AccessTokenExpiresAt">When <paramref name="AccessToken"/> stops being accepted.</param>
/// <param name="RefreshToken">A single-use token that buys the next session; reusing an old one revokes the whole session.</param>
/// <param name="RefreshTokenExpiresAt">When <paramref name="RefreshToken"/> stops being accepted.</param>
/// <param name="ConnectToken">A token for joining a game server over the transport, or empty when no issuer is configured.</param>
public sealed record AuthSession(
    long UserId,
    string Username,
    string AccessToken,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt,
    byte[] ConnectToken);
