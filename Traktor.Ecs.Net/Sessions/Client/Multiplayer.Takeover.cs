using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// The takeover of a host migration: the directory gave this player the session, and it hosts it from its replica. The
/// world changes only once the listen server serves: a start that fails leaves it as the lost host last sent it.
/// </summary>
public sealed partial class Multiplayer
{
    /// <summary>
    /// The directory gave this player the session: it hosts it from its copy of the world (on the tick thread). False when
    /// it could not: the world is untouched and the migration goes on (another successor may take the session over).
    /// </summary>
    private async Task<bool> TakeOverAsync(MigrationAttempt migration, PlayerHostGrant grant, IPlayerHostedSessions directory, long me)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        onTick.Enqueue(() =>
        {
            if (!Still(migration) || options.Hosting is not { } hosting)
            {
                started.TrySetCanceled();
                return;
            }

            var (takeover, doomed) = replica.Plan(client, migration.OldHost, options.HostMigrationWait);
            HostedSession running;
            EndRepeats(); // the socket serves the session taken over now
            try
            {
                // The new host's relay adopts the players in the session, so it does not announce them again.
                running = HostedSession.Start(grant, hosting, client, directory, me, time, logger, takeover with { Players = RosterEntries() });
            }
            catch (Exception exception)
            {
                // Nothing has changed yet: the replica is whole, and this player can still follow another host.
                logger.LogWarning(exception, "Could not host session {Session} after its host was lost; this player waits for another successor.", grant.Session.Id);
                started.TrySetException(exception);
                return;
            }

            replica.Apply(client, doomed);
            hosted = running;
            running.Host.Server.PlayerReleasedAfterEnd += OnPlayerReleased;
            connected = false;
            migrating = null;
            current = grant.Session;
            var migrated = new HostMigration(grant.Session, migration.OldHost, me, IsLocalHost: true, time.GetElapsedTime(migration.StartedAt));
            logger.LogInformation("Player {Player} hosts session {Session} after its host {Host} was lost ({Ms:F0} ms).", me, grant.Session.Id,
                migration.OldHost, migrated.Duration.TotalMilliseconds);
            started.TrySetResult();
            HostMigrated?.Invoke(migrated);
            RaiseLeft((ulong)migration.OldHost);
        });
        try
        {
            using (migration.Token.Register(() => started.TrySetCanceled(migration.Token)))
            {
                await started.Task.ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException && !migration.Token.IsCancellationRequested)
        {
            return false;
        }
    }
}
