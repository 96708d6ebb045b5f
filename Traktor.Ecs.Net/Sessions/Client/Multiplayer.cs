using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The engine's <c>multiplayer</c> object for a game client: <see cref="CreateSessionAsync(string, int, CancellationToken)"/>,
/// <see cref="JoinSessionAsync"/> and <see cref="QuickJoinAsync"/> log in when needed, take a seat through the session
/// directory, connect the world's <see cref="NetworkClient"/> with the seat's connect token, and complete once connected;
/// <see cref="ListSessionsAsync"/> logs in when needed too; <see cref="LeaveSessionAsync"/> never logs in (a player that
/// never logged in is in no session): it disconnects and gives the seat back. Who joins and leaves arrives as the <see cref="Sessions.PlayerJoined"/> and
/// <see cref="Sessions.PlayerLeft"/> RPC events (and as the <see cref="PlayerJoined"/>/<see cref="PlayerLeft"/> events
/// here); when the session ends under the player — ended, its server shut down or crashed — <see cref="SessionEnded"/>
/// says why, with the reason the directory recorded.
/// </summary>
/// <remarks>
/// Add it to the client's system group after the <see cref="NetworkClient"/>: connecting and disconnecting happen on the tick
/// thread in its <see cref="BeforeUpdate"/>, so the async methods complete only while the group ticks. Its events are
/// raised on the tick thread. One session operation runs at a time.
/// </remarks>
public sealed partial class Multiplayer : ISystem<float>, IAsyncDisposable
{
    private readonly NetworkClient client;
    private readonly IAuthentication authentication;
    private readonly ISessions sessions;
    private readonly MultiplayerAccount account;
    private readonly MultiplayerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConcurrentQueue<Action> onTick = new();
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly QueryDescription joinedQuery = new QueryDescription().WithAll<Sessions.PlayerJoined, RpcSource>();
    private readonly QueryDescription leftQuery = new QueryDescription().WithAll<Sessions.PlayerLeft, RpcSource>();
    private AuthSession? login;
    private Connecting? connecting;
    private volatile SessionInfo? current;
    private bool connected;
    private volatile HostedSession? hosted;
    // The host of a session this player ended, serving its players alone until each holds the final world (set on the tick thread).
    private volatile HostedSession? endingHost;
    // A leave of the session this player hosts, queued for the tick that begins its end delivery.
    private volatile bool endQueued;
    // The host of a session this player stopped hosting, repeating its notice to players still sending (tick thread).
    private HostedSession? repeatingHost;

    /// <summary>Creates the facade.</summary>
    /// <param name="client">The world's network plugin.</param>
    /// <param name="authentication">Where to log in (<see cref="HttpAuthentication"/> on the same backend connection as <paramref name="sessions"/>).</param>
    /// <param name="sessions">The session directory (<see cref="HttpSessions"/>).</param>
    /// <param name="account">Who to log in as.</param>
    /// <param name="options">Defaults and waits, or null.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <exception cref="ArgumentOutOfRangeException">A wait of <paramref name="options"/> is negative (<see cref="MultiplayerOptions.JoinWait"/> or <see cref="MultiplayerOptions.EndReasonPollInterval"/> zero), infinite, or exceeds a timer's range (about 49.7 days).</exception>
    public Multiplayer(NetworkClient client, IAuthentication authentication, ISessions sessions, MultiplayerAccount account,
        MultiplayerOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.authentication = authentication ?? throw new ArgumentNullException(nameof(authentication));
        this.sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        this.account = account ?? throw new ArgumentNullException(nameof(account));
        this.options = options ?? new MultiplayerOptions();
        this.options.Validate(nameof(options));

        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        stalls = new StallWatch(this.time);
        try
        {
            replica.Listen(client);
        }
        catch (InvalidOperationException exception)
        {
            // Another facade (or a MigratingPeer) on this client listens already: this one migrates without the owners.
            this.logger.LogWarning(exception, "A second Multiplayer on one NetworkClient: after a host migration it cannot hand entities back to their owners.");
        }
        client.Connected += OnClientConnected;
    }

    /// <summary>The facade over an online backend: logs in and reaches the directory through <paramref name="backend"/>.</summary>
    /// <param name="client">The world's network plugin.</param>
    /// <param name="backend">The player's backend connection (it keeps the login's bearer token and refreshes it).</param>
    /// <param name="account">Who to log in as.</param>
    /// <param name="options">Defaults and waits, or null.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The facade.</returns>
    public static Multiplayer OverBackend(NetworkClient client, OnlineBackendClient backend, MultiplayerAccount account,
        MultiplayerOptions? options = null, TimeProvider? time = null, ILogger? logger = null) =>
        new(client, new HttpAuthentication(backend), new HttpSessions(backend), account, options, time, logger);

    /// <summary>The logged-in player's id, or null before the first login.</summary>
    public long? UserId => login?.UserId;

    /// <summary>
    /// The session this client is in (as it was when joined), or null. When the session is lost under the player (its
    /// server crashed or ended it) it stays set while the facade asks the directory why, and becomes null as
    /// <see cref="SessionEnded"/> is raised: a handler sees it null and <see cref="LastEndReason"/> set. A join or leave
    /// meanwhile supersedes the lost session, and no <see cref="SessionEnded"/> follows for it; a join under way when the
    /// session is lost, or when its reason is found, holds the end back until it is over (a join that fails lets it through).
    /// </summary>
    public SessionInfo? CurrentSession => current;

    /// <summary>True while a call waits for the tick thread (a connect or disconnect to perform, a connection to complete).</summary>
    public bool NeedsTicks => !onTick.IsEmpty || connecting is not null || migrating is not null;

    /// <summary>
    /// True while the world shows a session that ended, for the game's end screen: from the moment it ended under this
    /// player (its host or server ended it, went away or cut the player, a host migration found no new host; set at the
    /// disconnect, before <see cref="SessionEnded"/> is raised) or this player's own hosted session stopped, until the player
    /// joins or creates another session, or calls <see cref="LeaveSessionAsync"/> in no session (at the next tick). The
    /// game's own simulation systems return early while it is true, so nothing the game runs moves the final world its end
    /// screen reads (docs/sessions.md, "When a session ends"); the network plugin moves nothing then either. False while the
    /// player plays, and after it left a session that goes on. Tick thread.
    /// </summary>
    public bool IsEnded => endScreen.Showing;

    /// <summary>Why the last session ended under this player, or <see cref="SessionEndReason.None"/>.</summary>
    public SessionEndReason LastEndReason { get; private set; }

    /// <summary>
    /// Raised on the tick thread when the session ended without this player leaving it, with the session and the reason
    /// (what the player is shown); by then <see cref="CurrentSession"/> is null and <see cref="LastEndReason"/> is the
    /// reason, so the handler may join another session at once. The world still holds the session's entities, each at the
    /// newest state received (the host's final world: a host sends every player a last snapshot before it ends the
    /// session), for the game's end screen; they go when the player joins or creates another session, or calls
    /// <see cref="LeaveSessionAsync"/>.
    /// </summary>
    public event Action<SessionInfo, SessionEndReason>? SessionEnded;

    /// <summary>
    /// Raised on the tick thread for every <see cref="Sessions.PlayerJoined"/> event (this player included) of a player not
    /// already in the session: after a host migration the new host announces the players it serves again, and those
    /// this player heard join before (and not leave) are not raised twice.
    /// </summary>
    public event Action<Sessions.PlayerJoined>? PlayerJoined;

    /// <summary>Raised on the tick thread once per departure of a player heard to join (after a host migration: the lost host's, and a player's that never reached the new host).</summary>
    public event Action<Sessions.PlayerLeft>? PlayerLeft;

    /// <summary>Creates a session (<c>multiplayer:createSession("MyGame", 4)</c>), joins it and connects.</summary>
    /// <param name="name">Its name or mode.</param>
    /// <param name="maxPlayers">Its capacity.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, once connected to its game server.</returns>
    public Task<SessionInfo> CreateSessionAsync(string name, int maxPlayers, CancellationToken cancellationToken = default) =>
        CreateSessionAsync(new SessionOptions(name, maxPlayers), cancellationToken);

    /// <summary>Creates a session with full options, joins it and connects.</summary>
    /// <param name="session">Name, capacity, visibility, properties.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, once connected.</returns>
    public Task<SessionInfo> CreateSessionAsync(SessionOptions session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return JoinAsync(async (user, token) =>
        {
            var created = await sessions.CreateSessionAsync(session, token).ConfigureAwait(false);
            return await SeatAsync(asking => sessions.JoinSessionAsync(created.Id, user, login?.Username ?? string.Empty, asking), user, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>
    /// Joins a session by id (<c>multiplayer:joinSession(id)</c>) and connects. While the directory answers
    /// <see cref="OnlineError.Unavailable"/> with a retry-after (a player host that has not published its address yet), the
    /// join asks again as told, for up to <see cref="MultiplayerOptions.JoinWait"/>, as Lua's <c>joinSession</c> does
    /// (<see cref="SessionJoins.JoinWhenReachableAsync(ISessions, SessionId, long, string, TimeProvider?, CancellationToken)"/>). A session hosted by a player behind a NAT is reached through
    /// <see cref="MultiplayerOptions.Traversal"/> (introduced, punched or relayed) before the client connects, as Lua's
    /// <c>joinSession</c> does (<see cref="SessionConnector"/>).
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Cancels the call (an <see cref="OperationCanceledException"/>): a cancelled join leaves no
    /// connection and no <see cref="CurrentSession"/>, and gives back the seat the directory may have given it.</param>
    /// <returns>The session, once connected.</returns>
    /// <exception cref="SessionJoinException">The session is full, ended or unknown, or its server (or player host) could not be
    /// reached (the seat the directory gave is given back first, within <see cref="MultiplayerOptions.JoinWait"/>).</exception>
    /// <exception cref="OnlineException">A directory error; <see cref="OnlineError.Unavailable"/> when it still said so, or
    /// did not answer, after <see cref="MultiplayerOptions.JoinWait"/>.</exception>
    public Task<SessionInfo> JoinSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        JoinAsync((user, token) => JoinWhenReachableAsync(id, user, token), cancellationToken, id);

    /// <summary>Joins the oldest public session matching <paramref name="filter"/> with room, or creates one, and connects.</summary>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">What to create when none does; null for <see cref="MultiplayerOptions.DefaultSession"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, once connected.</returns>
    public Task<SessionInfo> QuickJoinAsync(SessionFilter? filter = null, SessionOptions? createIfNone = null, CancellationToken cancellationToken = default) =>
        JoinAsync((user, token) => SeatAsync(asking => sessions.QuickJoinAsync(user, login?.Username ?? string.Empty, filter, createIfNone ?? options.DefaultSession, asking), user, token),
            cancellationToken);

    /// <summary>
    /// Lists live public sessions, oldest first, logging in first when needed (the backend lists sessions to logged-in
    /// players only: listing through an <see cref="HttpSessions"/> of the same backend before the first join is refused as
    /// unauthorized). Join the pick with <see cref="JoinSessionAsync"/>.
    /// </summary>
    /// <param name="filter">Which sessions qualify (name, free slots, properties); null lists all.</param>
    /// <param name="offset">Sessions to skip.</param>
    /// <param name="limit">At most this many (1–100).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page.</returns>
    public async Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default)
    {
        await LogInAsync(cancellationToken).ConfigureAwait(false);
        return await sessions.ListSessionsAsync(filter, offset, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Disconnects and gives up the seat (<c>multiplayer:leaveSession()</c>); no <see cref="SessionEnded"/> follows. A host
    /// migration going on stops first; when this player had claimed the session, the claim's answer is awaited and a session
    /// won given back before the leave is sent (each within 10 s), so the next successor takes it over. While the facade asks
    /// why the session ended under the player (before <see cref="SessionEnded"/>), the leave sends nothing again: it stops the
    /// question and awaits the seat's give-back the end sent (within <see cref="MultiplayerOptions.JoinWait"/>). A player leaving a
    /// session that goes on drops its copy of the world; a host's leave ends the session, and its world, like its players',
    /// stays for the end screen (<see cref="SessionEnded"/>). A leave of a session that already ended under the player drops
    /// what it left in the world (at the next tick). A leave once begun is sent: the cancellation token (or <see cref="Dispose"/>)
    /// only stops waiting for it, and a join or a create after it waits until the directory has it (within
    /// <see cref="MultiplayerOptions.JoinWait"/>, which bounds the leave's request).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (an <see cref="OperationCanceledException"/>); a leave begun is still sent.</param>
    /// <returns>True when this client left a session; false when it was in none.</returns>
    /// <exception cref="OnlineException">The directory refused the leave; <see cref="OnlineError.Unavailable"/> when it did not answer within <see cref="MultiplayerOptions.JoinWait"/>.</exception>
    /// <exception cref="ObjectDisposedException">The facade was disposed (before or during the call).</exception>
    public Task<bool> LeaveSessionAsync(CancellationToken cancellationToken = default) => OperationAsync(LeaveAsync, cancellationToken);

    private async Task<bool> LeaveAsync(CancellationToken cancellationToken)
    {
        if (login is null || TakeForLeave(out var shared) is not { } session)
        {
            onTick.Enqueue(() =>
            {
                FinishEnding();
                endScreen.Drop(client.World); // a leave after the end: the ended session's world goes
            });
            return false;
        }

        if (shared is not null)
        {
            onTick.Enqueue(() =>
            {
                FinishEnding();
                endScreen.Drop(client.World); // the ended session's world goes with the leave
            });
            // The session ended under the player and its seat is on its way back (or was never to be given back): that
            // is this leave. Not sent again: an unconditional leave could free a seat the player has taken since in that
            // session (from another device).
            await ((Task)shared.SeatReturn).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            return true;
        }

        var stopped = migrating is { } migration ? StopMigration(migration) : Task.CompletedTask; // no further directory calls, no hosting, no HostMigrated
        endQueued = hosted is not null; // IsDeliveringEnd from the return on, though the tick that begins the delivery is still to come
        onTick.Enqueue(() =>
        {
            connected = false;
            migrating = null;
            if (connecting is { Migration: not null } following)
            {
                connecting = null; // a connection to the new host, abandoned with the session
                following.Done.TrySetCanceled();
            }

            ReplicaTakeover.DropKeptEntities(client);
            client.Transport.Disconnect();
            StopHosting(DisconnectReason.SessionEnded, deliver: true); // its remote players get the final world and are told the session ended; its leave below ends it
            endQueued = false; // after the delivery took over: IsDeliveringEnd (any thread) never reads false between the two
        });
        // A claim the stopped migration sent is answered, and a session it won given back, before the leave (each within
        // 10 s): a leave racing them could reach the directory while it names this player host (its claim granted, the
        // answer on its way or lost), and end the session for every player still migrating.
        // The directory may answer false: the game server saw the disconnect and reported the departure first (at once
        // when the game frees a seat without a reconnect grace), or the seat was already released. The player has left
        // either way, so the answer is whether it was in a session, as the Lua leaveSession() promises.
        var leave = SendLeaveAsync(session.Id, login.UserId, stopped);
        try
        {
            await leave.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            KeepSending(Logged(leave, session.Id)); // begun, so sent: the caller only stopped waiting for it
            throw;
        }

        return true;
    }

    /// <summary>
    /// Releases the facade. A session this player hosts ends: its remote players are told the session ended, and the
    /// directory is told the host left (in the background), which ends it for them with <see cref="SessionEndReason.Ended"/>.
    /// A session this player joined is left: its seat is given back to the directory (in the background; after the calls of a
    /// host migration it stopped), rather than held until the game server's reconnect grace runs out; the
    /// <see cref="NetworkClient"/> is the game's to disconnect or dispose. A host
    /// migration going on (<see cref="IsMigrating"/>) stops at once: the directory hears nothing more from it, except, when this
    /// player claimed the session, that it gives the session back (<see cref="IPlayerHostedSessions.ReleaseHostAsync"/>), so the
    /// next successor takes over at once. That give-back goes on in the background once this returns: <see cref="DisposeAsync"/>
    /// awaits it. A create, join or leave under way ends at once with an <see cref="ObjectDisposedException"/> (as every call
    /// after this does): a seat the directory gave it is given back, a leave it began is still sent, in the background too
    /// (<see cref="DisposeAsync"/> awaits them). Dispose after the loop stopped ticking the facade.
    /// </summary>
    public void Dispose()
    {
        // A question to the directory why the session ended stops, and SessionEnded is not raised; a call under way ends.
        disposed.Cancel();
        SessionInfo? lostHost = null; // a session whose host was lost, which this player is still in
        var stopped = Task.CompletedTask;
        if (migrating is { } migration)
        {
            // Ends it at once: no further directory calls, no hosting started, no HostLost/HostMigrated/SessionEnded after this.
            migrating = null;
            lostHost = current;
            current = null;
            stopping = stopped = StopMigration(migration);
        }

        FinishEnding(); // an ended session's players still waiting for its final world are told now
        EndRepeats(); // nothing ticks the facade any more: whoever missed a notice is not told again
        endQueued = false;
        if (hosted is { } hosting && login is { } player)
        {
            StopHosting(DisconnectReason.SessionEnded);
            current = null;
            stopping = Task.WhenAll(stopping, GiveSeatBackAsync(hosting.Session.Id, player.UserId));
        }
        else if (login is { } member && (lostHost ?? JoinedToLeave()) is { } joined)
        {
            // Disposing is leaving: the seat goes back now, that seat only (the grant the join's answer listed). Held, it
            // stays taken, counted against the session's capacity and the player still its member, until the game server's
            // reconnect grace (a minute) or the new host's handback grace runs out. After the stopped migration's calls,
            // as a leave is: a give-back racing a claim the directory granted could end the session for every player
            // still migrating. A session that ended under the player has its seat on its way back already (seatReturn).
            stopping = Task.WhenAll(stopping, GiveSeatBackAfterAsync(stopped, joined, member.UserId));
        }

        stopping = Task.WhenAll(stopping, seatReturn); // a seat a session's end left behind, still on its way back
        // oneAtATime is not disposed: the call under way releases it after this (that release would throw
        // ObjectDisposedException over whatever the call ended with), and it holds no wait handle to free.
    }

    /// <summary>The session a disposed player joined and is still in, or null (none, or it ended under the player: its seat is on its way back).</summary>
    private SessionInfo? JoinedToLeave() => TakeForLeave(out var ended) is { } joined && ended is null ? joined : null;

    /// <summary>Gives <paramref name="session"/>'s seat back once <paramref name="stopped"/> (a stopped migration's calls) is over; never throws.</summary>
    private async Task GiveSeatBackAfterAsync(Task stopped, SessionInfo session, long user)
    {
        await stopped.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await GiveSeatBackAsync(session.Id, user, SeatGiveBack.GrantOf(session, user)).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="Dispose"/>, then waits for what it still sends the directory: a migration it stopped has its claim on its
    /// way answered (within 10 s of being sent) and a session the directory gave this player given back (within 10 s), so
    /// the next successor takes it over at once; a joined player's seat is given back (within <see cref="MultiplayerOptions.JoinWait"/>); a host's seat is given back (within <see cref="MultiplayerOptions.JoinWait"/>),
    /// which ends its session; a seat a session's end left behind is given back (within <see cref="MultiplayerOptions.JoinWait"/>);
    /// the call under way has ended, and a seat it was given is given back, a leave it began sent (within <see cref="MultiplayerOptions.JoinWait"/> each).
    /// Completes at once when there is nothing to send; failures are logged, never thrown. A game that exits right after disposing awaits this, or the give-back may never leave the process.
    /// </summary>
    /// <returns>A task that completes once the stopped migration's directory calls are over (at most about 20 s).</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await oneAtATime.WaitAsync().ConfigureAwait(false); // the call under way is over (bounded: it ended at the Dispose)
        oneAtATime.Release();
        await Task.WhenAll(stopping, StillSending()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
