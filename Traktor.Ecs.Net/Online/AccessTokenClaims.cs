namespace Traktor.Ecs.Net.Online;

/// <summary>What a valid access token says about its bearer.</summary>
/// <param name="UserId">The player the token was issued to.</param>
/// <param name="SessionId">The login session (refresh-token family) the token belongs to; revoking it revokes the token.</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
public sealed record AccessTokenClaims(long UserId, string SessionId, DateTimeOffset ExpiresAt);
