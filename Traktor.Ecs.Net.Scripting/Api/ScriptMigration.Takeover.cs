using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// The takeover of a script's host migration: the directory gave the script's player the session, and the game's
/// <see cref="ScriptServices.StartHosting"/> hosts the world its client kept. The world changes only once the hook
/// completed: a hook that fails leaves it as the lost host last sent it.
/// </summary>
internal sealed partial class ScriptMigration
{
    /// <summary>
    /// The directory gave this player the session: the game's <see cref="ScriptServices.StartHosting"/> hosts the kept world,
    /// which becomes the authoritative one once the hook completed, and its <see cref="NetworkHost"/> hands the players their
    /// entities back. A hook that fails leaves the world as the lost host last sent it: the player follows another successor.
    /// </summary>
    private async Task<bool> TakeOverAsync(MigrationAttempt migration, PlayerHostGrant grant)
    {
        if (services.StartHosting is not { } start)
        {
            return false;
        }

        // On the tick thread: what hosting takes is planned (nothing changes yet), then the game's hook hosts the world (it may
        // build its NetworkHost at once, on the thread that owns the world). Its task is polled in Tick, so the world changes
        // and the handback attaches in the scripts' tick in which the hosting completed, before a host ticked after the
        // scripts lets anyone connect.
        var hosted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _onTick.Enqueue(() =>
        {
            if (!Still(migration) || _client is not { } client)
            {
                hosted.TrySetResult(false);
                return;
            }

            var (takeover, doomed) = network.Replica.Plan(client, migration.OldHost, options.HostMigrationWait);

            // The hook's token says whether the scripts still want what it starts: cancelled once they gave it up (the
            // migration stopped, or Started refused it), also after its task completed; never once the takeover attached.
            var hosting = new StartedHosting(migration.Token, logger);
            Task<PlayerSessionHost?> hook;
            try
            {
                hook = start(grant, hosting.Token)
                    ?? Task.FromException<PlayerSessionHost?>(new InvalidOperationException("ScriptServices.StartHosting returned no task."));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                hook = Task.FromException<PlayerSessionHost?>(exception);
            }

            _starting = new Starting(migration, grant, takeover, doomed, hook, hosted, hosting);
        });
        using (migration.Token.Register(() => hosted.TrySetCanceled(migration.Token)))
        {
            return await hosted.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Tick thread: the game's hook completed: its <see cref="NetworkHost"/> hands the players their entities back.</summary>
    private void Started(Starting starting)
    {
        _starting = null;
        var (migration, grant, takeover, doomed, hook, hosted, hosting) = starting;
        if (!Still(migration))
        {
            hosting.GiveUp();
            hosted.TrySetResult(false);
            return;
        }

        if (!hook.IsCompletedSuccessfully)
        {
            // Nothing has changed yet: the kept world is whole, and this player can still follow another host. What the
            // hook started before it failed is given up (its token), as a half-started hosting must not heartbeat on.
            logger.LogWarning(hook.Exception?.InnerException, "ScriptServices.StartHosting could not host session {Session} after its host was lost; the script's player waits for another successor.",
                grant.Session.Id);
            hosting.GiveUp();
            hosted.TrySetResult(false);
            return;
        }

        if (network.World.Resources.TryGet<NetworkHost>(out var host) && host.Receives > 0)
        {
            hosting.GiveUp(); // the game stops the host it started: this player follows the next successor
            hosted.TrySetResult(false); // the world is as it was
            ScriptHosting.ThrowIfReceived(host, grant.Session);
        }

        if (!hosting.TryAttach())
        {
            hosted.TrySetResult(false); // the migration stopped meanwhile (another thread): the hosting was given up
            return;
        }

        network.Replica.Apply(_client!, doomed); // the kept world is the authoritative one now
        if (host is not null)
        {
            // The same relay as a Multiplayer's host: the players are handed their entities back, the ones in the session (as
            // the directory's grant lists them) are adopted rather than announced again, the lost host departs (PlayerLeft).
            // The game's PlayerSessionHost (the hook's result) feeds it the departures the directory lists.
            network.Hosting.Attach(host, grant.Session, takeover with { Players = Members(grant.Session, migration.OldHost) }, hook.Result);
        }
        else
        {
            logger.LogWarning("StartHosting put no NetworkHost in the scripts' world: session {Session}'s players do not get their entities back.", grant.Session.Id);
        }

        _migrating = null;
        Migrated(migration, grant.Session, (long)identity.PlayerId, isLocalHost: true);
        hosted.TrySetResult(true);
    }

    /// <summary>The session's players as the directory's grant lists them, and the lost host (announced gone) if it does not.</summary>
    private static List<(ulong Id, string Name)> Members(SessionInfo session, long lostHost)
    {
        var members = session.Members.Select(m => ((ulong)m.UserId, m.Name)).ToList();
        if (!members.Exists(m => m.Item1 == (ulong)lostHost))
        {
            members.Add(((ulong)lostHost, ""));
        }

        return members;
    }

    /// <summary>The game's hosting hook under way for a takeover.</summary>
    private sealed record Starting(MigrationAttempt Migration, PlayerHostGrant Grant, HostedSession.Takeover Takeover, List<Entity> Doomed, Task<PlayerSessionHost?> Hook,
        TaskCompletionSource<bool> Hosted, StartedHosting Hosting);
}
