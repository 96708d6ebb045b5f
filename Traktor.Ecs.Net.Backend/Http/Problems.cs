using System.Globalization;
using Microsoft.Net.Http.Headers;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>Writes RFC 9457 problem details (<c>application/problem+json</c>), the body of every error answer.</summary>
internal static class Problems
{
    public const string MediaType = "application/problem+json";

    /// <summary>A 404 meaning "the item asked for does not exist" (a save slot, a player's record), which clients read as null.</summary>
    /// <param name="message">What is absent.</param>
    public static OnlineException Absent(string message) => new(OnlineError.NotFound, message) { ProblemType = OnlineProblemTypes.Absent };

    /// <summary>Answers a typed service failure.</summary>
    public static Task WriteAsync(HttpContext context, OnlineException exception) =>
        WriteAsync(context, exception.ProblemType ?? OnlineProblemTypes.Default(exception.Error), exception.Error, exception.Message, exception.RetryAfter);

    /// <summary>Writes an error answer, unless the response has already started (then there is nothing left to say).</summary>
    /// <param name="context">The request.</param>
    /// <param name="type">One of <see cref="OnlineProblemTypes"/>.</param>
    /// <param name="error">The error code the type belongs to.</param>
    /// <param name="detail">What went wrong, for people.</param>
    /// <param name="retryAfter">For 429/503: when a retry may succeed; rounded up to whole seconds, at least 1.</param>
    public static async Task WriteAsync(HttpContext context, string type, OnlineError error, string detail, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }
        // Clear() drops headers too; Allow belongs to a 405 and must survive.
        string? allow = response.Headers.Allow.Count > 0 ? response.Headers.Allow.ToString() : null;
        response.Clear();
        int status = (int)OnlineProblemTypes.Status(type, error);
        response.StatusCode = status;
        if (allow is not null)
        {
            response.Headers.Allow = allow;
        }
        response.Headers.CacheControl = "no-store";
        int? seconds = retryAfter is { } wait ? RetryAfterSeconds(wait) : null;
        if (seconds is { } value)
        {
            response.Headers.RetryAfter = value.ToString(CultureInfo.InvariantCulture);
        }
        var body = new ProblemBody(type, OnlineProblemTypes.Title(type), status, detail, context.Request.Path.Value, OnlineErrorCodes.ToCode(error), seconds);
        await response.WriteAsJsonAsync(body, OnlineJsonContext.Default.ProblemBody, MediaType, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Whole seconds to wait, rounded up so a client never retries early, and at least 1.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>Whether a response so far carries only a status code (routing's own 404/405), so a problem body may be added.</summary>
    public static bool IsBareError(HttpResponse response) =>
        !response.HasStarted && response.StatusCode >= 400 && response.ContentType is null && response.ContentLength is null or 0
        && !response.Headers.ContainsKey(HeaderNames.ContentType);
}
