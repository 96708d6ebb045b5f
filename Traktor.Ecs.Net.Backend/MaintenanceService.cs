using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>Runs <see cref="OnlineMaintenance.PruneAsync"/> at startup and then every hour.</summary>
internal sealed class MaintenanceService(OnlineMaintenance maintenance, TimeProvider time, ILogger<MaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await maintenance.PruneAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A failed run is retried at the next tick; pruning is never urgent.
                    logger.LogWarning(exception, "Pruning the online store failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping, or the host was disposed without a clean stop (a port it could not bind): nothing is left to prune.
        }
    }
}
