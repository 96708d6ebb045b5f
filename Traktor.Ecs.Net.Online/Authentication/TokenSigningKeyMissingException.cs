namespace Traktor.Ecs.Net.Online.Authentication;

/// <summary>
/// An <see cref="AuthenticationService"/> opened without a token signing key (<see cref="OnlineServicesOptions.Authentication"/>
/// left null, as a process that only submits scores may) was asked to issue or verify an access token: login, refresh,
/// token checks and logout need <see cref="AuthenticationOptions.TokenSigningKey"/>. A mistake in how the process is set up,
/// not something a player did; nothing was done.
/// </summary>
public sealed class TokenSigningKeyMissingException : InvalidOperationException
{
    /// <summary>Creates the error for <paramref name="operation"/>.</summary>
    /// <param name="operation">What was asked, as "log in" or "verify an access token".</param>
    public TokenSigningKeyMissingException(string operation)
        : base($"These online services were opened without a token signing key (OnlineServicesOptions.Authentication is null), so they "
            + $"cannot {operation}: access tokens are signed and verified with AuthenticationOptions.TokenSigningKey (HMAC-SHA256, one "
            + "key for both). Give this process the backend's key, or log players in and check their tokens at the backend; scores, "
            + "achievements, cloud saves, registration and the session directory work without it.")
    {
        Operation = operation;
    }

    /// <summary>What was asked.</summary>
    public string Operation { get; }
}
