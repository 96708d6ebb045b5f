namespace Traktor.Ecs.Net.Online;

/// <summary><see cref="IAuthentication"/> over the online backend's HTTP API.</summary>
/// <remarks>
/// Login and refresh store the new session in <see cref="OnlineBackendClient.Session"/>; logout clears it.
/// The client refreshes by itself shortly before the access token expires (see <see cref="OnlineBackendClient.AutoRefresh"/>),
/// so read the current tokens from <see cref="OnlineBackendClient.Session"/> rather than keeping a copy.
/// </remarks>
public sealed class HttpAuthentication : IAuthentication
{
    private readonly OnlineBackendClient _client;

    /// <summary>Creates the service over a backend connection.</summary>
    /// <param name="client">The shared backend connection.</param>
    public HttpAuthentication(OnlineBackendClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc/>
    public Task<UserAccount> RegisterAsync(string username, string password, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Post, "v1/auth/register", new CredentialsBody(username, password),
            OnlineJsonContext.Default.CredentialsBody, OnlineJsonContext.Default.UserAccount, cancellationToken);

    /// <inheritdoc/>
    public async Task<AuthSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var session = await _client.SendAsync(HttpMethod.Post, "v1/auth/login", new CredentialsBody(username, password),
            OnlineJsonContext.Default.CredentialsBody, OnlineJsonContext.Default.AuthSession, cancellationToken).ConfigureAwait(false);
        _client.Session = session;
        return session;
    }

    /// <inheritdoc/>
    /// <remarks>One request (<c>POST v1/auth/register-or-login</c>), one unit of the sign-in budget; a backend without that
    /// route (404) is asked to register, then to log in.</remarks>
    public async Task<AuthSession> RegisterOrLogInAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        AuthSession session;
        try
        {
            session = await _client.SendAsync(HttpMethod.Post, "v1/auth/register-or-login", new CredentialsBody(username, password),
                OnlineJsonContext.Default.CredentialsBody, OnlineJsonContext.Default.AuthSession, cancellationToken).ConfigureAwait(false);
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.NotFound)
        {
            return await AuthenticationSteps.RegisterThenLogInAsync(this, username, password, cancellationToken).ConfigureAwait(false);
        }

        _client.Session = session;
        return session;
    }

    /// <inheritdoc/>
    public Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default) =>
        _client.RefreshAsync(refreshToken, cancellationToken);

    /// <inheritdoc/>
    public async Task LogoutAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        // The token to end is the argument, not whatever session the client currently holds.
        await _client.SendAsync<RefreshBody>(HttpMethod.Post, "v1/auth/logout", null, OnlineJsonContext.Default.RefreshBody, cancellationToken, accessToken).ConfigureAwait(false);
        if (_client.Session?.AccessToken == accessToken)
        {
            _client.Session = null;
        }
    }

    /// <inheritdoc/>
    public Task<AccessTokenClaims> ValidateAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default)
        => _client.SendAsync(HttpMethod.Get, "v1/auth/session", OnlineJsonContext.Default.AccessTokenClaims, cancellationToken, accessToken);

    /// <inheritdoc/>
    public Task RevokeUserSessionsAsync(long userId, CancellationToken cancellationToken = default) =>
        _client.SendAsync<RefreshBody>(HttpMethod.Post, $"v1/auth/users/{userId}/revoke", null, OnlineJsonContext.Default.RefreshBody, cancellationToken);
}
