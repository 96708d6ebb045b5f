using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// A script's player migrating to a successor when the player hosting its session is lost, with the same
/// <see cref="HostMigrationDriver"/>, <see cref="ReplicaTakeover"/> and <see cref="TakeoverHandback"/> as
/// <see cref="Multiplayer"/>: the client's world is kept, the directory names the new host; a follower connects its client to
/// it, a successor hosts the kept world through <see cref="ScriptServices.StartHosting"/> (as <c>createSession(.., "player")</c>
/// does) and hands every player its entities back when it reconnects. The script hears <c>Script:onHostLost(session)</c>,
/// then <c>Script:onHostMigrated(info)</c> or <c>Script:onHostMigrationFailed(session)</c>. A connection to the session that
/// ends otherwise (the host cut this player, the session ended, a game server's connection) is
/// <c>Script:onSessionEnded(session, reason)</c>.
/// </summary>
/// <remarks>
/// Everything but the directory calls runs on the tick thread, in <see cref="Prepare"/> and <see cref="Tick"/>. A successor's
/// game must tick the <see cref="NetworkHost"/> its hook started after the <see cref="LuaScriptSystem"/>: the handback attaches
/// in the system's <see cref="LuaScriptSystem.BeforeUpdate"/> after the hook completed, before the host first receives (its own
/// player's connection first); a host that received before throws <see cref="LuaHostingOrderException"/>.
/// </remarks>
internal sealed partial class ScriptMigration(ScriptServices services, LuaScriptOptions options, ScriptIdentity identity, ScriptNetwork network, ILogger logger)
{
    /// <summary>How often the directory is asked for the new host, as <see cref="MultiplayerOptions.EndReasonPollInterval"/>'s default.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one attempt to reach a new host that has not published its address waits, at most (as <see cref="Multiplayer"/>'s).</summary>
    private static readonly TimeSpan FollowAttempt = TimeSpan.FromSeconds(2);

    /// <summary>How long giving back a claim whose answer was lost may take, once the migration stopped.</summary>
    private static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<Action> _onTick = new();

    /// <summary>When the client last read its socket connected, and what the link and the host's ticks were then (<see cref="CutDuringStall"/>).</summary>
    private readonly StallWatch _stalls = new(services.Time);
    private readonly Queue<(string Handler, ScriptValue[] Arguments)> _events = new();
    private NetworkClient? _client;
    private SessionInfo? _watched;
    private volatile MigrationAttempt? _migrating;
    private Following? _following;
    private Starting? _starting;

    /// <summary>True between <c>onHostLost</c> and <c>onHostMigrated</c> or <c>onHostMigrationFailed</c>.</summary>
    public bool IsMigrating => _migrating is not null;

    /// <summary>
    /// What the last migration stopped (<see cref="Abandon"/>) still sends the directory, or a completed task: it completes
    /// once the migration's claim on its way was answered and the session given back (a granted claim by the driver, one
    /// whose answer was lost here), each bounded by 10 s. <c>leaveSession</c> awaits it before it leaves, so the give-back
    /// never races the leave.
    /// </summary>
    public Task GivingBack { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Raised on the tick thread when the script is in no session any more without having left it: the migration found no
    /// new host, or the connection ended with no migration to follow (<c>onSessionEnded</c>).
    /// </summary>
    public event Action? SessionOver;

    /// <summary>
    /// Called on the tick thread, before <see cref="SessionOver"/>, when the connection to the session ended with no
    /// migration to follow and not by the player's own leave (<see cref="DisconnectReason.LeftSession"/>, which freed the seat),
    /// or when a migration found no new host (<c>onHostMigrationFailed</c>; the session may live on under a host this player
    /// could not reach):
    /// the directory may still hold the player's seat (a game server that went away or cut the player keeps it until the
    /// player's reconnect grace expires, or never reports it), and nobody else gives it back. Once per session joined. Returns
    /// the give-back, true once the directory freed the seat: the reason <c>onSessionEnded</c> hears is asked after it.
    /// </summary>
    public Func<SessionInfo, Task<bool>> GiveSeatBack { get; set; } = _ => Task.FromResult(false);

    /// <summary>
    /// The script's client is about to connect to a session: the owners a player host sends from the connect's tick on are
    /// kept (the host sends them when a player connects, maybe before the join's poll sees the connection).
    /// </summary>
    public void BeforeConnect(NetworkClient client)
    {
        if (!ReferenceEquals(_client, client))
        {
            _client = client;
            client.Connected += () =>
            {
                if (_following is not null)
                {
                    client.Replication.Reset(); // a migration's connection came up: the new host's snapshots replace the kept world
                }
            };
        }

        DropEndedWorld(); // the last session's end screen: the new session's snapshots bring its own world
        network.ListenForOwners(client, logger);
        network.Replica.Clear(); // a new session's host sends its own
    }

    /// <summary>
    /// The script's client is connected to <paramref name="session"/>: its host's loss starts a migration (player-hosted
    /// sessions only); any other end of the connection is <c>onSessionEnded</c>.
    /// </summary>
    public void Watch(SessionInfo session)
    {
        if (_client is not { } client)
        {
            return;
        }

        // The world outlives the connection: a player-hosted session's is what a successor hosts, and once any session is
        // over it is the end screen's (ScriptNetwork.EndScreen), whether or not the session could migrate.
        client.KeepEntitiesOnDisconnect = true;

        _watched = session;
        _stalls.Restart(services.Time.GetTimestamp()); // a new connection: its timeout is measured from the next tick
    }

    /// <summary>Whether losing <paramref name="session"/>'s host may start a migration (a player-hosted one, migration on, a directory that offers it).</summary>
    private bool MayMigrate(SessionInfo session) =>
        session.HostKind == SessionHostKind.Player && session.HostUserId is not null && options.HostMigrationWait != TimeSpan.Zero
        && services.Sessions is IPlayerHostedSessions;

    /// <summary>The script left its session: a migration going on ends at once, and the kept world goes.</summary>
    public void Stop()
    {
        Abandon();
        if (_client is { } client)
        {
            ReplicaTakeover.DropKeptEntities(client);
        }

        DropEndedWorld();
    }

    /// <summary>
    /// The script plays again (joins or creates a session, or calls <c>leaveSession()</c> in none): what the last session
    /// ended with goes, so the next one's world starts clean. Tick thread.
    /// </summary>
    public void DropEndedWorld()
    {
        StopExplaining();
        network.EndScreen.Drop(network.World);
    }

    /// <summary>
    /// The script is unloaded (or its system disposed): a migration going on ends at once; the world is left as it is. When
    /// the script's player had claimed the session (and hosts it not yet), it gives the session back, as a disposed
    /// <see cref="Multiplayer"/> does: the next successor takes it over at once instead of waiting out this player's silence.
    /// </summary>
    public void Abandon()
    {
        _watched = null;
        StopExplaining();
        if (_migrating is { } migration)
        {
            _migrating = null;
            migration.Stop();
            GivingBack = migration.Claim is { } claim && services.Sessions is IPlayerHostedSessions directory
                ? Task.WhenAll(migration.Run, ClaimGiveBack.RunAsync(claim, directory, migration.Lost.Id, (long)identity.PlayerId, ReleaseWait, services.Time, logger))
                : migration.Run;
        }

        if (_following is { } following)
        {
            _following = null;
            following.Done.TrySetResult(false);
        }

        if (_starting is { } starting)
        {
            _starting = null;
            starting.Hosting.GiveUp(); // the migration's stop above gave it up already: said here too, so no path leaves it alive unattached
            starting.Hosted.TrySetResult(false);
        }
    }

    /// <summary>Tick thread, before the script's entries resume: notices a lost host, completes a follow, raises the script's handlers.</summary>
    public void Tick(LuaScript script)
    {
        Prepare();
        while (_events.TryDequeue(out var raised))
        {
            script.Call(raised.Handler, raised.Arguments);
        }
    }

    /// <summary>
    /// Tick thread, before the game's host receives (<see cref="LuaScriptSystem.BeforeUpdate"/>) and again in the scripts'
    /// tick: runs what the directory's answers asked for, takes over once the game's hook completed, notices a lost host.
    /// </summary>
    public void Prepare()
    {
        while (_onTick.TryDequeue(out var action))
        {
            action();
        }

        if (_starting is { Hook.IsCompleted: true } starting)
        {
            Started(starting);
        }

        if (_following is { } following)
        {
            Follow(following);
        }

        if (_watched is { } session && _client is { } client)
        {
            if (client.Transport.State == ClientState.Disconnected)
            {
                _watched = null;
                Begin(session, client, client.Transport.LastDisconnectReason, client.Transport.LastDisconnectByServer);
            }
            else if (CutDuringStall(session, client))
            {
                // The host's Disconnect (TimedOut) was dropped or lost: the player is out as if it had come, as a MigratingPeer is.
                _watched = null;
                client.Transport.Disconnect();
                Begin(session, client, DisconnectReason.TimedOut, byHost: true);
            }
        }
    }

    /// <summary>
    /// Tick thread, connected: true when the script's game stalled for the link's whole timeout while the host of its
    /// player-hosted session played on into the stall (<see cref="StallWatch"/>, the rule of <see cref="MigratingPeer"/> and
    /// <see cref="Multiplayer"/>): the host has cut this player, though its Disconnect was dropped with the snapshots a full
    /// socket queue could not hold. Read otherwise, the silence that follows looks like the host's loss (<c>onHostLost</c>,
    /// the live host reported lost to the directory, claims).
    /// </summary>
    private bool CutDuringStall(SessionInfo session, NetworkClient client)
    {
        if (client.Transport.State != ClientState.Connected)
        {
            return false;
        }

        var replication = client.Replication;
        bool cut = _stalls.CutDuringStall(services.Time.GetTimestamp(), MayMigrate(session), client.Transport.GetStats(), replication.NewestTick, replication.TickRate,
            out var stalledFor);
        if (cut)
        {
            logger.LogWarning("The script's player stalled for {Seconds:F1} s, past its link's timeout ({Timeout} s), while the host of session {Session} played on: "
                + "it has cut this player; no migration.", stalledFor.TotalSeconds, _stalls.LinkTimeout.TotalSeconds, session.Id);
        }

        return cut;
    }

    /// <summary>
    /// The connection to the session's host ended: a migration starts when the session may go on without it (the host is
    /// lost or gave way, <see cref="HostLoss"/>); otherwise the script's player is out of the session, and hears why.
    /// </summary>
    private void Begin(SessionInfo lost, NetworkClient client, DisconnectReason? reason, bool byHost)
    {
        if (!MayMigrate(lost) || lost.HostUserId is not { } oldHost || services.Sessions is not IPlayerHostedSessions directory
            || !HostLoss.MayGoOn(reason, byHost))
        {
            // The host cut this player (a Disconnect it sent, other than the two by which it stops hosting), the session
            // ended, or a game server's connection ended: nothing to go on with. Told here, since HostLoss makes a cut no
            // host loss: otherwise a cut player's script hears nothing and stays in the session as far as
            // multiplayer:joinSession knows. The world it showed stays for the end screen (onSessionEnded shows it).
            network.EndScreen.KeepReplica(client);
            logger.LogInformation("The script's player is out of session {Session} ({Reason}, {By}).", lost.Id, reason, byHost ? "told by its host" : "its own end");
            var seatReturn = reason != DisconnectReason.LeftSession ? GiveSeatBack(lost) : null;
            SessionOver?.Invoke();
            ExplainEnd(lost, reason, seatReturn);
            return;
        }

        var migration = new MigrationAttempt(lost, oldHost, services.Time.GetTimestamp(), services.Sessions!, directory);
        _migrating = migration;
        logger.LogWarning("Lost host {Host} of session {Session} ({Reason}); the script's player migrates.", oldHost, lost.Id, reason);
        _events.Enqueue(("onHostLost", [MultiplayerApi.Describe(lost)]));
        migration.Run = RunAsync(migration, directory, (long)identity.PlayerId);
    }

    private async Task RunAsync(MigrationAttempt migration, IPlayerHostedSessions directory, long me)
    {
        var driver = new HostMigrationDriver
        {
            Sessions = migration.Directory,
            Directory = migration.Directory,
            Wait = options.HostMigrationWait,
            PollInterval = PollInterval,
            Still = () => Still(migration),
            FollowAttempt = options.HostMigrationJoinWait < FollowAttempt ? options.HostMigrationJoinWait : FollowAttempt,
            OnTick = _onTick.Enqueue,
            Connect = (session, info, done) => StartFollowing(migration, session, info, done),
            TakeOver = grant => TakeOverAsync(migration, grant),
            MayHost = services.StartHosting is not null,
            JoinWait = options.HostMigrationJoinWait,
            ClaimWait = options.ClaimWait,
            Time = services.Time,
            Logger = logger,
        };
        try
        {
            if (await driver.RunAsync(migration.Lost.Id, migration.OldHost, me, migration.StartedAt, migration.Token).ConfigureAwait(false))
            {
                return;
            }
        }
        catch (OperationCanceledException) when (migration.Token.IsCancellationRequested)
        {
            return; // the script left the session (or was unloaded)
        }

        logger.LogWarning("Session {Session} found no new host for the script's player.", migration.Lost.Id);
        _onTick.Enqueue(() =>
        {
            if (!Still(migration))
            {
                return;
            }

            _migrating = null;
            if (_client is { } client)
            {
                network.EndScreen.KeepReplica(client); // the lost host's world, as a MigratingPeer out with no successor keeps it
            }

            // The seat goes back: the session may go on under a host this player never reached, which would keep it for the
            // player's reconnect grace, and a joinSession meanwhile would be AlreadyMember of a session it is not in.
            _ = GiveSeatBack(migration.Lost);
            SessionOver?.Invoke();
            _events.Enqueue(("onHostMigrationFailed", [MultiplayerApi.Describe(migration.Lost)]));
        });
    }

    /// <summary>
    /// Tick thread: connects the client to the new host the driver's join named (<see cref="HostMigrationDriver.Connect"/>);
    /// <see cref="Follow"/> completes <paramref name="done"/> once the connection came up or failed.
    /// </summary>
    private bool StartFollowing(MigrationAttempt migration, SessionInfo session, SessionConnectInfo info, TaskCompletionSource<bool> done)
    {
        if (!Still(migration) || _following is not null || _client is not { } client)
        {
            return false;
        }

        network.Replica.Clear(); // the new host sends its own owners
        _following = new Following(migration, session, done, SessionConnector.Start(client.Transport, info, services.Traversal, options.CallTimeout, services.Time));
        return true;
    }

    /// <summary>Tick thread: the connection to the new host came up (the script plays under it) or failed (asked again later).</summary>
    private void Follow(Following following)
    {
        var client = _client!;
        switch (following.Connector.Update())
        {
            case SessionConnectorState.Connected:
                _following = null;
                if (!Still(following.Migration))
                {
                    client.Transport.Disconnect();
                    following.Done.TrySetResult(false);
                    return;
                }

                _migrating = null;
                _watched = following.Session;
                _stalls.Restart(services.Time.GetTimestamp());
                client.KeepEntitiesOnDisconnect = true;
                Migrated(following.Migration, following.Session, following.Session.HostUserId ?? 0, isLocalHost: false);
                following.Done.TrySetResult(true);
                break;
            case SessionConnectorState.Disconnected or SessionConnectorState.NotIntroduced:
                _following = null;
                following.Done.TrySetResult(false);
                break;
        }
    }

    private void Migrated(MigrationAttempt migration, SessionInfo session, long newHost, bool isLocalHost)
    {
        var duration = services.Time.GetElapsedTime(migration.StartedAt);
        logger.LogInformation("The script's player plays under host {Host} of session {Session} after host {Old} was lost ({Ms:F0} ms).", newHost, session.Id,
            migration.OldHost, duration.TotalMilliseconds);
        _events.Enqueue(("onHostMigrated", [new ScriptTable()
            .With("session", MultiplayerApi.Describe(session))
            .With("previousHostId", migration.OldHost)
            .With("newHostId", newHost)
            .With("isLocalHost", isLocalHost)
            .With("duration", duration.TotalSeconds)]));
    }

    private bool Still(MigrationAttempt migration) => !migration.Token.IsCancellationRequested && ReferenceEquals(_migrating, migration);

    /// <summary>A connection to the new host under way.</summary>
    private sealed record Following(MigrationAttempt Migration, SessionInfo Session, TaskCompletionSource<bool> Done, SessionConnector Connector);
}
