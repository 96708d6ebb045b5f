using Microsoft.Extensions.Diagnostics.HealthChecks;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Backend.Health;

/// <summary>Readiness: the store answers a trivial query within <see cref="Timeout"/>.</summary>
internal sealed class DatabaseHealthCheck(OnlineDatabase database, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    /// <summary>How long the store may take to answer before the node reports itself not ready.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await database.PingAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{database.ProviderName} answers");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Readiness check: the {Provider} store does not answer", database.ProviderName);
            // The description goes to load balancers and operators; the exception's text stays in the log.
            return HealthCheckResult.Unhealthy($"{database.ProviderName} does not answer");
        }
    }
}
