namespace Traktor.Ecs.Net.Online;

/// <summary>The two-step sign-up-or-in behind <see cref="IAuthentication.RegisterOrLogInAsync"/> for services without a one-step route.</summary>
internal static class AuthenticationSteps
{
    /// <summary>Registers (a taken name is the account existing), then logs in.</summary>
    public static async Task<AuthSession> RegisterThenLogInAsync(IAuthentication authentication, string username, string password, CancellationToken cancellationToken)
    {
        try
        {
            await authentication.RegisterAsync(username, password, cancellationToken).ConfigureAwait(false);
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
        {
            // Registered before (or by someone else, whose password the login below will not match).
        }

        return await authentication.LoginAsync(username, password, cancellationToken).ConfigureAwait(false);
    }
}
