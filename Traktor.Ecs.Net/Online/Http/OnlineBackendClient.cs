using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// The connection the HTTP implementations of the online services share: the <see cref="HttpClient"/>
/// pointed at the backend, and the caller's credentials (a player session, or a game server's key).
/// </summary>
/// <remarks>
/// <see cref="HttpAuthentication"/> stores the session here on login and refresh, so the other
/// services of the same client then act as that player. A game server sets <see cref="ServerKey"/> instead.
/// With <see cref="AutoRefresh"/> on, a request made less than <see cref="RefreshMargin"/> before the access
/// token expires first trades the refresh token for a new session, one refresh at a time, because two
/// concurrent refreshes with the same single-use token would look like theft and revoke the session.
/// </remarks>
public sealed class OnlineBackendClient
{
    /// <summary>The header that carries a server key.</summary>
    public const string ServerKeyHeader = "X-Server-Key";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile AuthSession? _session;
    private volatile string? _spentRefreshToken;

    /// <summary>Wraps an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the backend's root.</summary>
    /// <param name="http">The client; the caller owns its lifetime.</param>
    /// <param name="serverKey">A server key for trusted game servers, or null for a player client.</param>
    /// <param name="time">The clock that decides when the access token needs refreshing.</param>
    public OnlineBackendClient(HttpClient http, string? serverKey = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress pointing at the backend.", nameof(http));
        }
        _http = http;
        ServerKey = serverKey;
    }

    /// <summary>The server key sent with every request, or null.</summary>
    public string? ServerKey { get; set; }

    /// <summary>The logged-in player's session, whose access token is sent with every request; null when logged out.</summary>
    public AuthSession? Session
    {
        get => _session;
        set => _session = value;
    }

    /// <summary>Whether requests refresh the session shortly before its access token expires. On by default.</summary>
    public bool AutoRefresh { get; set; } = true;

    /// <summary>How long before expiry <see cref="AutoRefresh"/> renews the access token; one minute by default.</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Trades a refresh token for a new session through the refresh gate, and stores the result.</summary>
    /// <remarks>
    /// If <paramref name="refreshToken"/> is the one an automatic refresh of this client already spent, the
    /// current session is returned instead of replaying the spent token, which would revoke it. A token spent
    /// by an explicit refresh is sent again, so deliberate reuse is still detected by the backend.
    /// </remarks>
    internal async Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (refreshToken == _spentRefreshToken && _session is { } current)
            {
                return current;
            }
            return await RefreshUnderGateAsync(refreshToken, automatic: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private async Task<AuthSession> RefreshUnderGateAsync(string refreshToken, bool automatic, CancellationToken cancellationToken)
    {
        // Built like any other request so a game server's key still exempts it from player rate limits.
        using var request = await CreateRequestAsync(HttpMethod.Post, "v1/auth/refresh", null, cancellationToken).ConfigureAwait(false);
        request.Content = JsonContent.Create(new RefreshBody(refreshToken), OnlineJsonContext.Default.RefreshBody);
        var session = await SendCoreAsync(request, OnlineJsonContext.Default.AuthSession, cancellationToken).ConfigureAwait(false);
        _spentRefreshToken = automatic ? refreshToken : null;
        _session = session;
        return session;
    }

    private async Task RefreshIfDueAsync(string path, string? bearerToken, CancellationToken cancellationToken)
    {
        if (!AutoRefresh || bearerToken is not null || ServerKey is { Length: > 0 } || path.StartsWith("v1/auth/", StringComparison.Ordinal)
            || _session is not { } session || session.AccessTokenExpiresAt - _time.GetUtcNow() > RefreshMargin)
        {
            return;
        }
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Whoever waited at the gate behind another refresh finds the session already renewed.
            if (_session is { } current && current.AccessTokenExpiresAt - _time.GetUtcNow() <= RefreshMargin)
            {
                await RefreshUnderGateAsync(current.RefreshToken, automatic: true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Sends a request and reads a JSON answer.</summary>
    internal async Task<TResult> SendAsync<TBody, TResult>(
        HttpMethod method, string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        using var request = await CreateRequestAsync(method, path, null, cancellationToken).ConfigureAwait(false);
        request.Content = JsonContent.Create(body, bodyType);
        return await SendCoreAsync(request, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request without a body and reads a JSON answer.</summary>
    internal async Task<TResult> SendAsync<TResult>(HttpMethod method, string path, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken, string? bearerToken = null)
    {
        using var request = await CreateRequestAsync(method, path, bearerToken, cancellationToken).ConfigureAwait(false);
        return await SendCoreAsync(request, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request and expects an empty success answer.</summary>
    internal async Task SendAsync<TBody>(HttpMethod method, string path, TBody? body, JsonTypeInfo<TBody> bodyType, CancellationToken cancellationToken, string? bearerToken = null)
    {
        using var request = await CreateRequestAsync(method, path, bearerToken, cancellationToken).ConfigureAwait(false);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, bodyType);
        }
        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a GET whose 404 <c>absent</c> answer means null rather than an error; with <paramref name="notFoundMeansNull"/>
    /// a 404 <c>not_found</c> (the container itself is missing, as for a leaderboard definition) means null too.
    /// </summary>
    internal async Task<TResult?> GetOrNullAsync<TResult>(string path, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken, bool notFoundMeansNull = false)
        where TResult : class
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            if (error.ProblemType == OnlineProblemTypes.Absent || (notFoundMeansNull && error.ProblemType == OnlineProblemTypes.NotFound))
            {
                return null;
            }
            throw error;
        }
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a request built by the caller (headers such as <c>If-Match</c>) and hands back the successful answer,
    /// which the caller disposes; a failed answer is thrown as a typed <see cref="OnlineException"/>.
    /// </summary>
    internal async Task<HttpResponseMessage> SendForResponseAsync(HttpMethod method, string path, HttpContent? content,
        Action<HttpRequestMessage>? prepare, CancellationToken cancellationToken)
    {
        using var request = await CreateRequestAsync(method, path, null, cancellationToken).ConfigureAwait(false);
        request.Content = content;
        prepare?.Invoke(request);
        var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Reads a successful answer's JSON body as <typeparamref name="TResult"/>.</summary>
    internal static Task<TResult> ReadAsync<TResult>(HttpResponseMessage response, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken) =>
        ReadJsonAsync(response, resultType, cancellationToken);

    /// <summary>Checks an identifier the way the services do (so a bad one fails as InvalidArgument, not as a wrong route) and escapes it as a path segment.</summary>
    internal static string Segment(string value, string what)
    {
        OnlineLimits.CheckId(value, what);
        return Uri.EscapeDataString(value);
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, string path, string? bearerToken, CancellationToken cancellationToken)
    {
        await RefreshIfDueAsync(path, bearerToken, cancellationToken).ConfigureAwait(false);
        var request = new HttpRequestMessage(method, path);
        if (bearerToken is not null)
        {
            // An explicit token (logout, validation) speaks for itself, whoever this client is.
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearerToken);
        }
        else if (ServerKey is { Length: > 0 } key)
        {
            request.Headers.Add(ServerKeyHeader, key);
        }
        else if (_session is { } session)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        }
        return request;
    }

    private async Task<TResult> SendCoreAsync<TResult>(HttpRequestMessage request, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, resultType, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new OnlineException(OnlineError.Unavailable, "The online backend could not be reached.", innerException: exception);
        }
    }

    private static async Task<TResult> ReadJsonAsync<TResult>(HttpResponseMessage response, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        try
        {
            var result = await response.Content.ReadFromJsonAsync(resultType, cancellationToken).ConfigureAwait(false);
            return result ?? throw new OnlineException(OnlineError.Unavailable, "The online backend sent an empty answer.");
        }
        catch (JsonException exception)
        {
            throw new OnlineException(OnlineError.Unavailable, "The online backend sent malformed JSON.", innerException: exception);
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Turns an error answer into a typed exception. RFC 9457 problem details (<c>application/problem+json</c>) carry
    /// the wire code in their <c>code</c> member and the specific kind in <c>type</c>; an older backend's
    /// <c>{error, message}</c> body is read too; without a readable body the status code decides.
    /// </summary>
    private static async Task<OnlineException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        TimeSpan? retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
        string? code = null, type = null, detail = null;
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json")
        {
            try
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var root = document.RootElement;
                    code = StringMember(root, "code") ?? StringMember(root, "error");
                    type = StringMember(root, "type");
                    detail = StringMember(root, "detail") ?? StringMember(root, "message") ?? StringMember(root, "title");
                    if (retryAfter is null && root.TryGetProperty("retryAfterSeconds", out var seconds)
                        && seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out int value) && value >= 0)
                    {
                        retryAfter = TimeSpan.FromSeconds(value);
                    }
                }
            }
            catch (JsonException)
            {
                // A malformed error body still leaves the status code to go by.
            }
        }
        var error = code is null ? OnlineErrorCodes.FromStatusCode(response.StatusCode) : OnlineErrorCodes.FromCode(code);
        if (type is null && code == OnlineErrorCodes.Absent)
        {
            type = OnlineProblemTypes.Absent; // an older backend's "absent" code
        }
        if (error == OnlineError.RateLimited)
        {
            retryAfter ??= TimeSpan.FromSeconds(1);
        }
        string message = detail ?? $"The online backend answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return new OnlineException(error, message, retryAfter) { ProblemType = type ?? OnlineProblemTypes.Default(error) };
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
