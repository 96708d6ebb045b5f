namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Player accounts and sessions: register, login, refresh with rotation, logout and revocation.
/// A resource in the world's service locator (<c>world.Resources</c>).
/// </summary>
public interface IAuthentication
{
    /// <summary>Creates an account.</summary>
    /// <param name="username">A name following <see cref="Usernames"/>: stored in Unicode form KC, unique ignoring case.</param>
    /// <param name="password">8 to 128 characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new account.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Conflict"/> when the username is taken; <see cref="OnlineError.InvalidArgument"/> for bad input.</exception>
    Task<UserAccount> RegisterAsync(string username, string password, CancellationToken cancellationToken = default);

    /// <summary>Logs a player in and starts a session.</summary>
    /// <param name="username">The registered username.</param>
    /// <param name="password">The password.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Access, refresh and connect tokens.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unauthorized"/> for wrong credentials; <see cref="OnlineError.RateLimited"/> while failed logins make the account or address wait (<see cref="OnlineException.RetryAfter"/> says how long).</exception>
    Task<AuthSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// Logs a player in, creating the account first when its name is free (a guest or a bot: <see cref="MultiplayerAccount.RegisterIfMissing"/>).
    /// Exactly as a registration followed by a login: a name taken by another account with another password is refused as
    /// a wrong password, and the answers tell nothing registration and login do not. Over HTTP it is one request, one unit
    /// of the sign-in budget (a backend without the route is asked the two requests instead).
    /// </summary>
    /// <param name="username">A name following <see cref="Usernames"/>, or an account's registered name.</param>
    /// <param name="password">The password (8 to 128 characters for a new account).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Access, refresh and connect tokens.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unauthorized"/> for a wrong password; <see cref="OnlineError.InvalidArgument"/>
    /// for a name or password registration refuses; otherwise as <see cref="LoginAsync"/>.</exception>
    Task<AuthSession> RegisterOrLogInAsync(string username, string password, CancellationToken cancellationToken = default) =>
        AuthenticationSteps.RegisterThenLogInAsync(this, username, password, cancellationToken);

    /// <summary>Trades a refresh token for a new session's tokens. The old refresh token is spent; presenting it again revokes the session.</summary>
    /// <param name="refreshToken">The latest refresh token of the session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>New access, refresh and connect tokens.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unauthorized"/> for an unknown, expired, spent or revoked refresh token.</exception>
    Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default);

    /// <summary>Ends the session the access token belongs to; its access and refresh tokens stop working.</summary>
    /// <param name="accessToken">An access token of the session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task LogoutAsync(string accessToken, CancellationToken cancellationToken = default);

    /// <summary>Checks an access token: signature, expiry and revocation.</summary>
    /// <param name="accessToken">The token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Who the bearer is.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unauthorized"/> for a forged, malformed, expired or revoked token.</exception>
    Task<AccessTokenClaims> ValidateAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default);

    /// <summary>Revokes every session of a player (for example after a ban or a password leak). Over HTTP this needs a server key.</summary>
    /// <param name="userId">The player.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task RevokeUserSessionsAsync(long userId, CancellationToken cancellationToken = default);
}
