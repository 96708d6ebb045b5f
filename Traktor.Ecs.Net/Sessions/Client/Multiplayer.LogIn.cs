using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net;

public sealed partial class Multiplayer
{
    /// <summary>
    /// Logs in unless already logged in. An account with <see cref="MultiplayerAccount.RegisterIfMissing"/> is registered
    /// first, and the backend's "name taken" (<see cref="OnlineError.Conflict"/>) taken as the account existing: a login
    /// for an account that does not exist yet would count as a failed login against the player's address, and a crowd of
    /// new players behind one address (a LAN party, a bot fleet) would spend its free failures and lock itself out. While
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

        long start = time.GetTimestamp();
        if (account.RegisterIfMissing)
        {
            try
            {
                await OnlineRetry.RunAsync(token => authentication.RegisterAsync(account.Username, account.Password, token),
                    options.LogInWait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
            {
                // Registered before (or by someone else, whose password the login below will not match).
            }
        }

        var left = options.LogInWait - time.GetElapsedTime(start);
        login = await OnlineRetry.RunAsync(token => authentication.LoginAsync(account.Username, account.Password, token),
            left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
        return login.UserId;
    }
}
