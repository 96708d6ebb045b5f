using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// Host migration: when the host of a player-hosted session is lost, the directory gives the session to a successor, which
/// hosts from its copy of the world, and the other players connect to it.
/// </summary>
public sealed partial class Multiplayer
{
    private readonly ReplicaTakeover replica = new();

    /// <summary>How long one attempt to reach a new host that has not published its address waits, at most.</summary>
    private static readonly TimeSpan FollowAttempt = TimeSpan.FromSeconds(2);
    private volatile MigrationAttempt? migrating;

    /// <summary>The directory entry of the session this player hosts, or null.</summary>
    internal PlayerSessionHost? HostEntry => hosted?.Entry;

    /// <summary>True once the host sent the owners of the replicated entities (what a successor hands back).</summary>
    internal bool HasOwners => replica.HasOwners;

    /// <summary>The version of the owners the host last sent (<see cref="Peers.MigrationPlan.Version"/>), 0 before any: a test's view of what reached the player.</summary>
    internal uint OwnersVersion => replica.OwnersVersion;

    /// <summary>True while this player migrates to a new host (between <see cref="HostLost"/> and <see cref="HostMigrated"/> or <see cref="SessionEnded"/>).</summary>
    public bool IsMigrating => migrating is not null;

    /// <summary>
    /// Raised on the tick thread when the connection to the player hosting this session was lost without the session
    /// ending (the host's game crashed, froze or lost its network): the facade migrates within
    /// <see cref="MultiplayerOptions.HostMigrationWait"/>. <see cref="CurrentSession"/> stays set and the world keeps what the
    /// host last sent; show "host lost, migrating…". <see cref="HostMigrated"/> or <see cref="SessionEnded"/> follows.
    /// </summary>
    public event Action<SessionInfo>? HostLost;

    /// <summary>
    /// Raised on the tick thread when this player plays under the session's new host: <see cref="CurrentSession"/> names it
    /// (<see cref="SessionInfo.HostUserId"/>). When <see cref="HostMigration.IsLocalHost"/>, this player hosts: <see cref="Host"/>
    /// serves the world it had (the lost host's entities destroyed, every other player's handed back when it reconnects) with
    /// the game's <see cref="MultiplayerHosting.Systems"/>; otherwise its world is rebuilt from the new host's snapshots.
    /// </summary>
    public event Action<HostMigration>? HostMigrated;

    /// <summary>A connection of a migration came up: what the world showed gives way to the new host's snapshots.</summary>
    private void OnClientConnected()
    {
        if (connecting?.Migration is not null)
        {
            client.Replication.Reset();
        }
    }

    /// <summary>When the client last read its socket connected, and what the link and the host's ticks were then (<see cref="CutDuringStall"/>).</summary>
    private readonly StallWatch stalls;

    /// <summary>
    /// Tick thread, connected (the client read its socket this tick, before this facade): true when this player's own game
    /// stalled for the link's whole timeout while the host of its player-hosted session played on into the stall
    /// (<see cref="StallWatch"/>, the rule a <see cref="MigratingPeer"/> follows): the host has cut it, though its Disconnect
    /// was dropped with the snapshots a full socket queue could not hold. Read otherwise, the silence that follows looks like
    /// the host's loss: <see cref="HostLost"/>, the live host reported lost to the directory, and claims, until the migration gives up.
    /// </summary>
    private bool CutDuringStall(SessionInfo session)
    {
        var replication = client.Replication;
        bool mayMigrate = session.HostKind == SessionHostKind.Player && options.HostMigrationWait != TimeSpan.Zero;
        bool cut = stalls.CutDuringStall(time.GetTimestamp(), mayMigrate, client.Transport.GetStats(), replication.NewestTick, replication.TickRate, out var stalledFor);
        if (cut)
        {
            logger.LogWarning("This player stalled for {Seconds:F1} s, past its link's timeout ({Timeout} s), while host {Host} of session {Session} played on: "
                + "it has cut this player; no migration.", stalledFor.TotalSeconds, stalls.LinkTimeout.TotalSeconds, session.HostUserId, session.Id);
        }

        return cut;
    }

    /// <summary>Tick thread: the connection to a player host was lost. Starts migrating when the session may go on.</summary>
    private bool TryBeginMigration(SessionInfo lost, DisconnectReason? reason, bool byHost)
    {
        if (lost.HostKind != SessionHostKind.Player || lost.HostUserId is not { } oldHost || options.HostMigrationWait == TimeSpan.Zero
            || sessions is not IPlayerHostedSessions directory || login is not { } player
            || !HostLoss.MayGoOn(reason, byHost))
        {
            return false;
        }

        var migration = new MigrationAttempt(lost, oldHost, time.GetTimestamp(), sessions, directory);
        migrating = migration;
        logger.LogWarning("Lost host {Host} of session {Session} ({Reason}); migrating.", oldHost, lost.Id, reason);
        HostLost?.Invoke(lost);
        migration.Run = MigrateAsync(migration, directory, player.UserId);
        return true;
    }

    /// <summary>
    /// Tells the directory the host is lost, then until <see cref="MultiplayerOptions.HostMigrationWait"/>: follows the host
    /// the directory names, or claims the session when this player can host and the old host still holds it (the directory
    /// gives it to the first successor the host reported, once the host is silent and the players behind it agree).
    /// </summary>
    private async Task MigrateAsync(MigrationAttempt migration, IPlayerHostedSessions directory, long me)
    {
        try
        {
            await MigrateUntilStoppedAsync(migration, directory, me).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (migration.Token.IsCancellationRequested)
        {
            logger.LogInformation("The migration of session {Session} stopped: the player left it or disposed the facade.", migration.Lost.Id);
        }
    }

    /// <summary>The body of <see cref="MigrateAsync"/>: every directory call and wait ends (cancelled) when the migration is stopped.</summary>
    private async Task MigrateUntilStoppedAsync(MigrationAttempt migration, IPlayerHostedSessions directory, long me)
    {
        var driver = new HostMigrationDriver
        {
            Sessions = migration.Directory,
            Directory = migration.Directory,
            Wait = options.HostMigrationWait,
            PollInterval = options.EndReasonPollInterval,
            Still = () => Still(migration),
            FollowAttempt = options.JoinWait < FollowAttempt ? options.JoinWait : FollowAttempt,
            OnTick = onTick.Enqueue,
            Connect = (session, info, followed) => StartFollowing(migration, session, info, followed),
            TakeOver = grant => TakeOverAsync(migration, grant, directory, me),
            MayHost = options.Hosting is { } hosting && HostedSession.CanPublish(hosting.Socket),
            JoinWait = options.JoinWait,
            ClaimWait = options.ClaimWait,
            Time = time,
            Logger = logger,
        };
        if (await driver.RunAsync(migration.Lost.Id, migration.OldHost, me, migration.StartedAt, migration.Token).ConfigureAwait(false))
        {
            return;
        }

        onTick.Enqueue(() =>
        {
            if (ReferenceEquals(migrating, migration))
            {
                migrating = null;
                endScreen.KeepReplica(client); // the lost host's world, as a MigratingPeer out with no successor keeps it
            }
        });
        if (Still(migration))
        {
            logger.LogWarning("Session {Session} found no new host for this player.", migration.Lost.Id);
            // The session may go on under a host this player could not reach, which keeps the seat: given back.
            BeginEnd(migration.Lost, DisconnectReason.TimedOut, giveSeatBack: true);
        }
    }

    /// <summary>
    /// Tick thread: connects the client to the new host the driver's join named (<see cref="HostMigrationDriver.Connect"/>);
    /// <paramref name="followed"/> completes true once connected (the tick that connected raised <see cref="HostMigrated"/>).
    /// </summary>
    private bool StartFollowing(MigrationAttempt migration, SessionInfo session, SessionConnectInfo info, TaskCompletionSource<bool> followed)
    {
        if (!Still(migration) || connecting is not null)
        {
            return false;
        }

        var done = new TaskCompletionSource<SessionInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.Clear(); // the new host sends its own
        connecting = new Connecting(session, done, SessionConnector.Start(client.Transport, info, options.Traversal, options.JoinWait, time)) { Migration = migration };
        _ = done.Task.ContinueWith(connected => followed.TrySetResult(connected.IsCompletedSuccessfully), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>
    /// Stops <paramref name="migration"/> (any thread): it calls the directory no more, but a claim it sent is answered and a
    /// session it won given back (<see cref="ClaimGiveBack"/>), so the next successor need not wait out this player's silence.
    /// </summary>
    /// <returns>A task that completes once that is over (each step bounded by 10 s); it never faults.</returns>
    private Task StopMigration(MigrationAttempt migration)
    {
        migration.Stop();
        var giveBack = Task.CompletedTask;
        if (migration.Claim is not null && hosted is null && sessions is IPlayerHostedSessions directory && login is { } claimant)
        {
            giveBack = ClaimGiveBack.RunAsync(migration.Claim, directory, migration.Lost.Id, claimant.UserId, TimeSpan.FromSeconds(10), time, logger);
        }

        return Task.WhenAll(migration.Run, giveBack);
    }

    /// <summary>True while <paramref name="migration"/> is the one going on, for the session the player is still in.</summary>
    private bool Still(MigrationAttempt migration) =>
        !migration.Token.IsCancellationRequested && ReferenceEquals(migrating, migration) && ReferenceEquals(current, migration.Lost);
}
