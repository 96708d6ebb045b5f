using System.Text;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// <c>http:get(url)</c> and <c>http:post(url, body, contentType)</c> on the host's <see cref="HttpClient"/>:
/// http/https only, allowed hosts only, a timeout, and a bounded response body.
/// Result: <c>{ status = 200, ok = true, body = "…", headers = { ["content-type"] = "…" } }</c>.
/// </summary>
internal sealed class HttpApi(ScriptServices services, LuaScriptOptions options)
{
    public IEnumerable<KeyValuePair<string, ScriptPrimitive>> Primitives()
    {
        yield return new("httpGet", Get);
        yield return new("httpPost", Post);
    }

    private int Get(LuaCall call)
    {
        var uri = Target(call);
        return call.Wait(Send(new HttpRequestMessage(HttpMethod.Get, uri)));
    }

    private int Post(LuaCall call)
    {
        var uri = Target(call);
        string body = call.String(2);
        string contentType = call.OptionalString(3) ?? "text/plain; charset=utf-8";
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8) };
        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            throw new ScriptCallException($"bad argument #3 to '{call.Function}' (not a content type)");
        }

        request.Content.Headers.ContentType = mediaType;
        return call.Wait(Send(request));
    }

    private Uri Target(LuaCall call)
    {
        if (services.Http is null)
        {
            throw new ScriptCallException("context.net has no HTTP client on this host");
        }

        string url = call.String(1);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ScriptCallException($"bad argument #1 to '{call.Function}' (an absolute http or https URL expected)");
        }

        if (services.AllowedHttpHosts is { } allowed && !allowed.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
        {
            throw new ScriptCallException($"sandbox: HTTP requests to {uri.Host} are not allowed on this host");
        }

        return uri;
    }

    private PendingCall Send(HttpRequestMessage request)
    {
        var cancellation = new CancellationTokenSource(options.CallTimeout, services.Time);
        return PendingCall.FromTask(SendAsync(request, cancellation.Token), cancellation, Describe);
    }

    private async Task<ScriptValue> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (var response = await services.Http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
        {
            // The body becomes a Lua string: one over MaxLuaStringBytes is refused as the script's own would be (Limit), and
            // is not read further. (Decoded, invalid UTF-8 grows; the push refuses what still comes out too long.)
            int limit = options.MaxHttpResponseBytes;
            long lua = options.MaxLuaStringBytes;
            if (response.Content.Headers.ContentLength is { } length && (length > limit || length > lua))
            {
                throw TooLarge(length, limit, lua);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit || buffer.Length + read > lua)
                {
                    throw TooLarge(buffer.Length + read, limit, lua);
                }

                buffer.Write(chunk, 0, read);
            }

            var headers = new ScriptTable();
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                headers[header.Key.ToLowerInvariant()] = string.Join(", ", header.Value);
            }

            return new ScriptTable()
                .With("status", (long)response.StatusCode)
                .With("ok", response.IsSuccessStatusCode)
                .With("body", Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length))
                .With("headers", headers);
        }
    }

    // The body limit that refused first: MaxHttpResponseBytes (a failed call), else MaxLuaStringBytes (Limit, as a string the script made).
    private static ScriptCallException TooLarge(long atLeast, int limit, long lua) => atLeast > limit
        ? new ScriptCallException($"the response body is larger than {limit} bytes")
        : new ScriptCallException($"{LuaValues.LimitPrefix}the response body ({atLeast} bytes or more) is longer than MaxLuaStringBytes ({lua})");

    private string Describe(Exception exception) => exception switch
    {
        ScriptCallException e => e.Message,
        OperationCanceledException => $"the HTTP request timed out after {options.CallTimeout.TotalSeconds:0.###} s",
        HttpRequestException e => $"the HTTP request failed: {e.Message}",
        _ => $"the HTTP request failed: {exception.Message}",
    };
}
