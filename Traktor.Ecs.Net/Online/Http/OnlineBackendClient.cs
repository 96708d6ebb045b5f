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
/// </remarks>
public sealed class OnlineBackendClient
{
    /// <summary>The header that carries a server key.</summary>
    public const string ServerKeyHeader = "X-Server-Key";

    private readonly HttpClient _http;
    private volatile AuthSession? _session;

    /// <summary>Wraps an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the backend's root.</summary>
    /// <param name="http">The client; the caller owns its lifetime.</param>
    /// <param name="serverKey">A server key for trusted game servers, or null for a player client.</param>
    public OnlineBackendClient(HttpClient http, string? serverKey = null)
    {
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

    /// <summary>Sends a request and reads a JSON answer.</summary>
    internal async Task<TResult> SendAsync<TBody, TResult>(
        HttpMethod method, string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(method, path);
        request.Content = JsonContent.Create(body, bodyType);
        return await SendCoreAsync(request, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request without a body and reads a JSON answer.</summary>
    internal async Task<TResult> SendAsync<TResult>(HttpMethod method, string path, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken, string? bearerToken = null)
    {
        using var request = CreateRequest(method, path, bearerToken);
        return await SendCoreAsync(request, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request and expects an empty success answer.</summary>
    internal async Task SendAsync<TBody>(HttpMethod method, string path, TBody? body, JsonTypeInfo<TBody> bodyType, CancellationToken cancellationToken, string? bearerToken = null)
    {
        using var request = CreateRequest(method, path, bearerToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, bodyType);
        }
        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a GET whose 404 means "absent" rather than an error.</summary>
    internal async Task<TResult?> GetOrNullAsync<TResult>(string path, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TResult : class
    {
        using var request = CreateRequest(HttpMethod.Get, path);
        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && await IsAbsentAnswerAsync(response, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, resultType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks an identifier the way the services do (so a bad one fails as InvalidArgument, not as a wrong route) and escapes it as a path segment.</summary>
    internal static string Segment(string value, string what)
    {
        OnlineLimits.CheckId(value, what);
        return Uri.EscapeDataString(value);
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string path, string? bearerToken = null)
    {
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

    private static async Task<bool> IsAbsentAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Buffered content can be read twice, so the error path can still read the body afterwards.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var body = JsonSerializer.Deserialize(text, OnlineJsonContext.Default.ErrorBody);
            return body?.Error == OnlineErrorCodes.Absent;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<OnlineException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        ErrorBody? body = null;
        try
        {
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                body = await response.Content.ReadFromJsonAsync(OnlineJsonContext.Default.ErrorBody, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            // A malformed error body still leaves the status code to go by.
        }
        var error = body is null ? OnlineErrorCodes.FromStatusCode(response.StatusCode) : OnlineErrorCodes.FromCode(body.Error);
        if (retryAfter is null && body?.RetryAfterSeconds is int seconds)
        {
            retryAfter = TimeSpan.FromSeconds(seconds);
        }
        string message = body?.Message ?? $"The online backend answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return new OnlineException(error, message, error == OnlineError.RateLimited ? retryAfter ?? TimeSpan.FromSeconds(1) : null);
    }
}
