using Traktor.Ecs.Net.Online.Sessions;

namespace Traktor.Ecs.Net.Backend.Sessions;

/// <summary>Runs <see cref="SessionDirectory.SweepAsync"/> on this node every sweep interval (every node does; sweeps are idempotent).</summary>
internal sealed class SessionSweepService(SessionDirectory directory, SessionSettings settings, TimeProvider time, ILogger<SessionSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var report = await directory.SweepAsync(stoppingToken).ConfigureAwait(false);
                if (report.ServersDeclaredDead + report.SeatsReleased + report.EmptySessionsEnded > 0)
                {
                    logger.LogInformation("Session sweep: {Dead} servers declared dead, {Seats} idle seats released, {Empty} empty sessions ended",
                        report.ServersDeclaredDead, report.SeatsReleased, report.EmptySessionsEnded);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A failed sweep (database briefly unreachable) is retried at the next tick; deadlines only slip by one interval.
                logger.LogWarning(exception, "The session sweep failed");
            }
        }
    }
}
