using System.Globalization;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>
/// Turns every failure into a JSON <see cref="ErrorBody"/> with the matching status: typed service
/// errors keep their code, malformed or oversized requests become 400/413, and only genuine bugs reach 500.
/// </summary>
internal sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OnlineException exception)
        {
            await WriteAsync(context, (int)OnlineErrorCodes.ToStatusCode(exception.Error), OnlineErrorCodes.ToCode(exception.Error),
                exception.Message, exception.RetryAfter).ConfigureAwait(false);
        }
        catch (AbsentException exception)
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, OnlineErrorCodes.Absent, exception.Message, null).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception)
        {
            int status = exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
            string code = status == StatusCodes.Status413PayloadTooLarge ? OnlineErrorCodes.ToCode(OnlineError.QuotaExceeded) : OnlineErrorCodes.ToCode(OnlineError.InvalidArgument);
            await WriteAsync(context, status, code, status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed.", null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Unhandled failure on {Method} {Path}", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, OnlineErrorCodes.ToCode(OnlineError.Unavailable), "Internal error.", null).ConfigureAwait(false);
        }
    }

    /// <summary>Writes an error answer, unless the response has already started.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string message, TimeSpan? retryAfter)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.Clear();
        context.Response.StatusCode = status;
        int? seconds = retryAfter is { } wait ? (int)Math.Max(1, Math.Ceiling(wait.TotalSeconds)) : null;
        if (seconds is { } value)
        {
            context.Response.Headers.RetryAfter = value.ToString(CultureInfo.InvariantCulture);
        }
        await context.Response.WriteAsJsonAsync(new ErrorBody(code, message, seconds), OnlineJsonContext.Default.ErrorBody,
            "application/json", context.RequestAborted).ConfigureAwait(false);
    }
}
