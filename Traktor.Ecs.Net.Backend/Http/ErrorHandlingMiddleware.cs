using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// Turns every failure into problem details with the matching status: typed service errors keep their type and
/// code, malformed or oversized requests become 400/413, routing's bare 404/405 get a body, and only genuine bugs
/// reach 500 (logged, with no detail for the caller).
/// </summary>
internal sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
            if (Problems.IsBareError(context.Response))
            {
                await WriteRoutingAnswerAsync(context).ConfigureAwait(false);
            }
        }
        catch (OnlineException exception)
        {
            await Problems.WriteAsync(context, exception).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's and the binder's own refusals; their messages can name .NET types, so only the status is kept.
            if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await Problems.WriteAsync(context, OnlineProblemTypes.BodyTooLarge, OnlineError.QuotaExceeded, "The request body is too large.").ConfigureAwait(false);
            }
            else
            {
                await Problems.WriteAsync(context, OnlineProblemTypes.InvalidArgument, OnlineError.InvalidArgument, "The request is malformed.").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Unhandled failure on {Method} {Path}", context.Request.Method, context.Request.Path);
            await Problems.WriteAsync(context, OnlineProblemTypes.InternalError, OnlineError.Unavailable, "Internal error.").ConfigureAwait(false);
        }
    }

    private static Task WriteRoutingAnswerAsync(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status405MethodNotAllowed => Problems.WriteAsync(context, OnlineProblemTypes.MethodNotAllowed, OnlineError.InvalidArgument,
            $"{context.Request.Method} is not allowed here; allowed: {context.Response.Headers.Allow}."),
        StatusCodes.Status404NotFound => Problems.WriteAsync(context, OnlineProblemTypes.NoSuchRoute, OnlineError.NotFound, "No such route."),
        _ => Task.CompletedTask,
    };
}
