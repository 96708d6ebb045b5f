namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// Counts every request once it is answered (<see cref="BackendMetrics.Requests"/>): outermost but for the forwarded
/// headers, so it sees the status the error handling and the rate limiter wrote, and the endpoint routing chose.
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            BackendMetrics.Requests.Add(1,
                new KeyValuePair<string, object?>(BackendMetrics.RouteTag, RouteLabels.Of(context)),
                new KeyValuePair<string, object?>(BackendMetrics.OutcomeTag, Outcome(context)));
        }
    }

    private static string Outcome(HttpContext context)
    {
        if (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            return "aborted";
        }
        return context.Response.StatusCode switch
        {
            < 400 => "ok",
            StatusCodes.Status401Unauthorized => "unauthorized",
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status429TooManyRequests => "rate_limited",
            < 500 => "client_error",
            _ => "server_error",
        };
    }
}
