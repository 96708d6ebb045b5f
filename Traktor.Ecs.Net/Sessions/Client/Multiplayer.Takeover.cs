using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

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
    private async Task<bool> TakeOverAsync(Migrating migration, PlayerHostGrant grant, IPlayerHostedSessions directory, long me)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        onTick.Enqueue(() =>
        {
            if (!Still(migration) || options.Hosting is not { } hosting)
            {
                started.TrySetCanceled();
                return;
            }

            var plan = PlanTakeover(migration.OldHost);
            HostedSession running;
            try
            {
                running = HostedSession.Start(grant, hosting, client, directory, me, time, logger, plan.Takeover);
            }
            catch (Exception exception)
            {
                // Nothing has changed yet: the replica is whole, and this player can still follow another host.
                logger.LogWarning(exception, "Could not host session {Session} after its host was lost; this player waits for another successor.", grant.Session.Id);
                migration.TakeoverFailed = true;
                started.TrySetException(exception);
                return;
            }

            ApplyTakeover(plan.Doomed);
            hosted = running;
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

    /// <summary>
    /// What hosting the replica takes, without changing the world: the lost host's entities (to destroy), every other
    /// owned entity by owner (handed back when its owner reaches this host), the players in the session (the new host's
    /// relay adopts them, so it does not announce them again), and the tick and network id to go on from.
    /// </summary>
    private (HostedSession.Takeover Takeover, List<Entity> Doomed) PlanTakeover(long oldHost)
    {
        var world = client.World;
        var replica = client.Replication;
        var pending = new Dictionary<ulong, List<(Entity Entity, bool Player)>>();
        var doomed = new List<Entity>();
        if (owners is { } plan)
        {
            foreach (var (netId, owner, player) in plan.Owners)
            {
                var entity = replica.Find(new NetworkId(netId));
                if (entity == Entity.Null || !world.IsAlive(entity)) continue;
                if (owner == (ulong)oldHost)
                {
                    doomed.Add(entity);
                    continue;
                }

                if (!pending.TryGetValue(owner, out var held)) pending[owner] = held = new();
                held.Add((entity, player));
            }
        }

        uint highest = 0;
        foreach (ref var chunk in world.Query(in numberedQuery))
        {
            foreach (var id in chunk.GetReadOnlySpan<NetworkId>()) highest = Math.Max(highest, id.Value);
        }

        uint tick = ResumeTick(owners, replica.NewestTick);
        uint next = Math.Max(owners?.NextNetworkId ?? 0, highest + 1);
        var takeover = new HostedSession.Takeover(tick, next, pending, options.HostMigrationWait)
        {
            Players = RosterEntries(),
            LostHost = (ulong)oldHost,
        };
        return (takeover, doomed);
    }

    /// <summary>
    /// The tick a new host goes on from: the newer of the owners' (when the host sent them) and the replica's newest, compared
    /// across the tick wrap as snapshots are (the larger number is the older one once the ticks wrapped between the two).
    /// </summary>
    internal static uint ResumeTick(MigrationPlan? plan, uint newestTick) =>
        plan is { } sent && Sequence.IsNewer(sent.Tick, newestTick) ? sent.Tick : newestTick;

    /// <summary>The replica becomes the authoritative world: the lost host's entities go, and the host marks what its local player owns itself.</summary>
    private void ApplyTakeover(List<Entity> doomed)
    {
        var world = client.World;
        client.Replication.Detach();
        client.KeepEntitiesOnDisconnect = false;
        owners = null;
        foreach (var entity in doomed) world.Destroy(entity);
        doomed.Clear();
        foreach (ref var chunk in world.Query(in localQuery)) doomed.AddRange(chunk.Entities.ToArray());
        foreach (var entity in doomed) world.Remove<LocalOwner>(entity);
    }
}
