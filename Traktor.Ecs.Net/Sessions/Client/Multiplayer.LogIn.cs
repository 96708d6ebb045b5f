using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net;

public sealed partial class Multiplayer
{
    /// <summary>
    /// Logs in unless already logged in. An account with <see cref="MultiplayerAccount.RegisterIfMissing"/> signs up or in
    /// with <see cref="IAuthentication.RegisterOrLogInAsync"/> (one request, one unit of the address's sign-in budget): a
    /// login for an account that does not exist yet would count as a failed login against the player's address, and a crowd
    /// of new players behind one address (a LAN party, a bot fleet) would spend its free failures and lock itself out. While
    /// the backend answers busy (503) or rate-limited (429), each request is asked again as <see cref="OnlineRetry"/> says
    /// (never before its Retry-After, backing off, with jitter), for up to <see cref="MultiplayerOptions.LogInWait"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The player's id.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Unauthorized"/> for a wrong password (or a name taken by
    /// another account); <see cref="OnlineError.Unavailable"/> or <see cref="OnlineError.RateLimited"/> when the backend
    /// still said so after <see cref="MultiplayerOptions.LogInWait"/>.</exception>
    public async Task<long> LogInAsync(CancellationToken cancellationToken = default)
    {
        if (login is { } known)
        {
            return known.UserId;
        }

        login = await OnlineRetry.RunAsync(token => account.RegisterIfMissing
                ? authentication.RegisterOrLogInAsync(account.Username, account.Password, token)
                : authentication.LoginAsync(account.Username, account.Password, token),
            options.LogInWait, time, cancellationToken).ConfigureAwait(false);
        return login.UserId;
    }
}
