using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Traktor.Ecs.Net.Backend.Health;

/// <summary>
/// Liveness (<c>/v1/health/live</c>: the process serves requests; restart it if not) and readiness
/// (<c>/v1/health/ready</c>, and <c>/v1/health</c> as before: it can do its work because the database answers; send it
/// no traffic if not). Both answer text (<c>Healthy</c> 200 / <c>Unhealthy</c> 503), are not rate-limited, and need
/// no credentials. Liveness never touches the database, so a database outage does not make an orchestrator restart
/// every node.
/// </summary>
internal static class HealthEndpoints
{
    private const string ReadyTag = "ready";
    private const string Tag = "Health";

    public static void Add(IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/health/live", () => Text("Healthy", StatusCodes.Status200OK))
            .DisableRateLimiting().WithName("liveness").WithTags(Tag).WithSummary("Liveness: the process serves requests.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        app.MapGet("/v1/health/ready", ReadyAsync)
            .DisableRateLimiting().WithName("readiness").WithTags(Tag).WithSummary("Readiness: the database answers.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        app.MapGet("/v1/health", ReadyAsync)
            .DisableRateLimiting().WithName("health").WithTags(Tag).WithSummary("Readiness, under its original route.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
    }

    private static async Task<IResult> ReadyAsync(HealthCheckService health, HttpContext context)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), context.RequestAborted).ConfigureAwait(false);
        var text = new StringBuilder(report.Status == HealthStatus.Healthy ? "Healthy" : "Unhealthy");
        foreach (var (name, entry) in report.Entries)
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(" (").Append(entry.Description).Append(')');
        }
        return Text(text.ToString(), report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult Text(string text, int status) => new NoStoreText(text, status);

    /// <summary>A plain-text answer that caches must not keep (a stale "Healthy" would hide an outage).</summary>
    private sealed class NoStoreText(string text, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "text/plain; charset=utf-8";
            httpContext.Response.Headers.CacheControl = "no-store";
            return httpContext.Response.WriteAsync(text, httpContext.RequestAborted);
        }
    }
}
