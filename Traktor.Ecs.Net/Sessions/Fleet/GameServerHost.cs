using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// A game-server process's membership in the fleet: it registers with the directory, heartbeats every lease interval
/// (reporting its load and who is connected to each session), and applies what each heartbeat answers — the sessions
/// placed on it (assignments are learned by pull, once per heartbeat), their departures, and their ends. Each session
/// runs in its own world (<see cref="IHostedSession"/>) on the shared <see cref="SessionRouter"/>. A player who arrives
/// with a valid ticket for a session placed here since the last heartbeat is not kept waiting: the ticket's seal proves
/// the placement, and the session is opened at once.
/// </summary>
/// <remarks>
/// <para>Tick it as one system of a group on a <see cref="NetworkLoop"/>, as a <see cref="NetworkServer"/> is ticked
/// (<c>loop.Add(new Group&lt;float&gt;("game server", host))</c>, then <c>await loop.RunAsync(host.Completion)</c>), or call
/// <see cref="Tick"/> from one thread (the tick loop) yourself: it routes, ticks every session world, sends, applies the
/// directory's latest answers and, twice per heartbeat interval, publishes a snapshot of its sessions and players. The
/// heartbeats themselves ride their own timer (of the <see cref="TimeProvider"/>), never the tick: a tick stalled by a
/// session's first start, a garbage collection or a busy machine does not silence the server, so the directory does
/// not declare a live server dead; such a heartbeat reports the last snapshot. A failed heartbeat (backend unreachable,
/// restarting) is retried at the next interval; the sessions keep running meanwhile. Only a process that stops as a
/// whole (crash, SIGKILL, SIGSTOP) stops heartbeating.</para>
/// <para>A heartbeat answered <see cref="GameServerState.Dead"/> (the process was silent past the dead timeout) ends
/// every session with <see cref="SessionEndReason.ServerLost"/> and registers anew. <see cref="Drain"/> stops the
/// server taking new sessions; once its last session has ended it deregisters and <see cref="Completion"/> finishes, or
/// sooner when the directory answers nothing for <see cref="DrainBackendTimeout"/>, or when its sessions still run after
/// <see cref="DrainSessionsTimeout"/> (it ends them first) (<see cref="Exit"/> tells which).</para>
/// </remarks>
public sealed partial class GameServerHost : ISystem<float>
{
    private readonly IGameServerFleet fleet;
    private readonly SessionRouter router;
    private readonly GameServerRegistration registration;
    private readonly HostedSessionFactory factory;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Dictionary<SessionId, Hosted> hosted = new();
    private readonly Dictionary<SessionId, DateTimeOffset> closed = new();
    private readonly List<SessionId> scratch = new();
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private double tickMilliseconds;
    private int tickCount;
    private bool disposed;
    private int draining;

    /// <summary>Creates the host; call <see cref="StartAsync"/> to register.</summary>
    /// <param name="fleet">The directory as game servers see it (<see cref="HttpGameServerFleet"/> with the server key).</param>
    /// <param name="router">The shared socket's router (the host installs its <see cref="SessionRouter.UnknownSession"/>).</param>
    /// <param name="registration">The addresses players reach <paramref name="router"/> at, and the capacity. When the router's
    /// server has no <see cref="NetServer.PublicAddresses"/> (its options named none) it takes these as its own (the options
    /// object is left unchanged), so a token the directory issued for another server of the fleet (which opens tokens with
    /// the same key) is refused here.</param>
    /// <param name="factory">Builds a session's world.</param>
    /// <param name="time">The clock (heartbeat intervals).</param>
    /// <param name="logger">Diagnostics.</param>
    public GameServerHost(IGameServerFleet fleet, SessionRouter router, GameServerRegistration registration, HostedSessionFactory factory,
        TimeProvider? time = null, ILogger? logger = null)
    {
        this.fleet = fleet ?? throw new ArgumentNullException(nameof(fleet));
        this.router = router ?? throw new ArgumentNullException(nameof(router));
        this.registration = registration ?? throw new ArgumentNullException(nameof(registration));
        this.factory = factory ?? throw new ArgumentNullException(nameof(factory));
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        router.UnknownSession = OpenFromTicket;
        router.EndedSession = closed.ContainsKey; // every session closes once it ended (CloseFinishedSessions)
        router.Server.RepeatNoticesFor = NoticeRepeats; // a player that missed its three notice datagrams is told again (GameServerHost.Notices.cs)
        if (router.Server.PublicAddresses.Count == 0)
        {
            // Every server of the fleet opens tokens with the same key: only the addresses a token names tell which server
            // it is for. Without them, a token for another server's session opened that session here from its ticket. The
            // server keeps them as its own: the caller's options stay as they were, for another router built from them.
            router.Server.AdvertiseAt(registration.Addresses.Select(NetAddress.Parse).ToArray());
        }
    }

    /// <summary>This server's id in the fleet, or null before registration.</summary>
    public string? ServerId => lease?.ServerId;

    /// <summary>What the directory last said about this server.</summary>
    public GameServerState State { get; private set; } = GameServerState.Live;

    /// <summary>True after <see cref="Drain"/>.</summary>
    public bool IsDraining => Volatile.Read(ref draining) != 0;

    /// <summary>Finishes when a draining server has deregistered after its last session ended, has given up on a silent directory,
    /// has ended the sessions still running at <see cref="DrainSessionsTimeout"/>, or is disposed: <see cref="Exit"/> says which.
    /// Not before the end-of-session notices it still repeats to players that missed them are over (at most two seconds after
    /// the reason: keep ticking until then).</summary>
    public Task Completion => completion.Task;

    /// <summary>The sessions running here.</summary>
    public IReadOnlyCollection<SessionId> Sessions => hosted.Keys;

    /// <summary>Heartbeats answered so far.</summary>
    public long Heartbeats => Interlocked.Read(ref heartbeats);

    /// <summary>Heartbeats that failed (the directory unreachable or refusing, or no answer within half the dead timeout); each is retried at the next interval.</summary>
    public long HeartbeatFailures => Interlocked.Read(ref heartbeatFailures);

    /// <summary>Times this process registered (more than once after being declared dead).</summary>
    public int Registrations => Volatile.Read(ref registrations);

    /// <summary>The directory call in flight (heartbeat, registration anew, deregistration), if any; tests on virtual time await it.</summary>
    public Task? PendingCall
    {
        get
        {
            lock (gate)
            {
                return call?.Task;
            }
        }
    }

    /// <summary>Mean time of one <see cref="Tick"/> over the last heartbeat interval, every session together, in milliseconds.</summary>
    public double TickMilliseconds { get; private set; }

    /// <summary>Registers with the directory; the server is placeable once this returns.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease.</returns>
    public async Task<GameServerLease> StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var granted = await fleet.RegisterServerAsync(registration, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref registrations);
        logger.LogInformation("Registered as game server {Server}; heartbeat every {Interval}, dead after {DeadAfter}.", granted.ServerId, granted.HeartbeatInterval, granted.DeadAfter);
        StartHeartbeats(granted);
        return granted;
    }

    /// <summary>One tick: apply the directory's answers, receive and route, tick every session, send, publish what the next heartbeat reports when due.</summary>
    /// <param name="deltaTime">Seconds since the previous tick.</param>
    public void Tick(float deltaTime)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        long started = Stopwatch.GetTimestamp();
        ApplyDirectoryAnswers();
        GiveUpWhenDue();
        router.Update();
        foreach (var session in hosted.Values)
        {
            long before = Stopwatch.GetTimestamp();
            session.Game.Tick(deltaTime);
            session.AddTick(Stopwatch.GetElapsedTime(before).TotalMilliseconds);
        }

        router.Flush();
        CloseFinishedSessions();
        FinishWhenNoticesRepeated();
        tickMilliseconds += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        tickCount++;
        PublishSnapshotWhenDue();
    }

    /// <summary>Nothing: the host has nothing to prepare before its first tick.</summary>
    void ISystem<float>.Initialize()
    {
    }

    /// <summary>Nothing: the whole tick runs in <see cref="ISystem{T}.Update"/>.</summary>
    /// <param name="state">The tick's delta time.</param>
    void ISystem<float>.BeforeUpdate(in float state)
    {
    }

    /// <summary>Runs one <see cref="Tick"/>: a group on a <see cref="NetworkLoop"/> ticks the host as it ticks a <see cref="NetworkServer"/>.</summary>
    /// <param name="state">The tick's delta time.</param>
    void ISystem<float>.Update(in float state) => Tick(state);

    /// <summary>Nothing: the tick sent everything in <see cref="ISystem{T}.Update"/>.</summary>
    /// <param name="state">The tick's delta time.</param>
    void ISystem<float>.AfterUpdate(in float state)
    {
    }

    /// <summary>Who is in each running session and how long its ticks take (for dashboards).</summary>
    /// <returns>One line per session.</returns>
    public IReadOnlyList<HostedSessionReport> Report() =>
        hosted.Values.Select(h => new HostedSessionReport(h.Id, h.Game.Relay.PresentPlayers.Select(p => (long)p).ToArray(), h.LastMeanTick)).ToArray();

    /// <summary>
    /// Ends every session (players are told <see cref="DisconnectReason.ServerShutdown"/>, once: nothing reads the socket
    /// afterwards to repeat it, so drain instead to have them told reliably) and disposes their worlds. Does not deregister.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        StopHeartbeats();
        foreach (var session in hosted.Values)
        {
            session.Endpoint.Close(DisconnectReason.ServerShutdown);
            session.Game.Dispose();
        }

        hosted.Clear();
        router.Flush();
        Finish(GameServerExit.Disposed);
    }

    private void Apply(Answer answer)
    {
        var assignments = answer.Assignments;
        State = assignments.State;
        if (assignments.State is GameServerState.Dead or GameServerState.Gone)
        {
            logger.LogWarning("The directory says game server {Server} is {State}: ending {Count} sessions and registering anew.", answer.ServerId, assignments.State, hosted.Count);
            foreach (var session in hosted.Values)
            {
                session.Game.Relay.End(SessionEndReason.ServerLost);
            }

            if (!IsDraining && State != GameServerState.Gone)
            {
                RequestRegistration();
            }
            else
            {
                StopHeartbeats();
                Finish(GameServerExit.Gone);
            }

            return;
        }

        var listed = new HashSet<SessionId>();
        listedLive.Clear();
        foreach (var assignment in assignments.Sessions)
        {
            var info = assignment.Session;
            listed.Add(info.Id);
            if (info.State == SessionState.Live)
            {
                listedLive.Add(info.Id);
            }

            if (!hosted.TryGetValue(info.Id, out var session))
            {
                if (info.State == SessionState.Live && !closed.ContainsKey(info.Id))
                {
                    session = Open(info, fromTicket: false);
                }

                if (session is null)
                {
                    continue;
                }
            }
            else if (session.FromTicket)
            {
                // The ticket told the session's id and capacity only; the directory's record has its name and properties.
                session.FromTicket = false;
                TellListed(session, info);

                logger.LogInformation("Session {Session} (opened from a ticket) is {Name}, {Max} players.", info.Id, info.Name, info.MaxPlayers);
            }

            foreach (var departure in assignment.Departures)
            {
                session.Game.Relay.Leave(departure.UserId, departure.At, departure.Reason);
            }

            if (info.State == SessionState.Ended)
            {
                session.Game.Relay.End(info.EndReason == SessionEndReason.None ? SessionEndReason.Ended : info.EndReason);
            }
        }

        // A session opened before this heartbeat was sent but unknown to the directory (its ticket outlived it): nobody is placed there.
        foreach (var session in hosted.Values)
        {
            if (!listed.Contains(session.Id) && session.OpenedAtSequence < answer.SnapshotSequence)
            {
                session.Game.Relay.End(SessionEndReason.Ended);
            }
        }

        if (IsDraining && answer.Draining && hosted.Count == 0 && !assignments.Sessions.Any(s => s.Session.State == SessionState.Live))
        {
            RequestDeregistration();
        }
    }

    /// <summary>
    /// Tells a session opened from a ticket the directory's record. The game's code may throw: that must not cut the
    /// heartbeat's answer short, or the sessions after this one would miss their records, departures and ends.
    /// </summary>
    private void TellListed(Hosted session, SessionInfo info)
    {
        try
        {
            session.Game.OnListed(info);
        }
        catch (Exception exception)
        {
            OnListedFailed(exception, info.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Session {Session}'s OnListed threw: it keeps the record its ticket gave it (not told again); the rest of the directory's answer is applied.")]
    private partial void OnListedFailed(Exception exception, SessionId session);

    private SessionEndpoint? OpenFromTicket(SessionTicket ticket)
    {
        // Not once a drain gave up: it ends what it hosts and completes when they have closed, with no directory answers
        // left to end a session opened now (review42: a ticket after a timed-out drain kept the host from completing).
        if (closed.ContainsKey(ticket.SessionId) || State != GameServerState.Live && State != GameServerState.Draining || ticket.MaxPlayers < 1 || GaveUp)
        {
            return null;
        }

        var info = new SessionInfo(ticket.SessionId, "", ticket.MaxPlayers, SessionVisibility.Public, new Dictionary<string, string>(), [], ticket.IssuedAt);
        return Open(info, fromTicket: true)?.Endpoint;
    }

    private Hosted? Open(SessionInfo info, bool fromTicket)
    {
        if (hosted.Count >= registration.MaxSessions)
        {
            logger.LogWarning("Session {Session} not opened: this server already hosts its {Max} sessions.", info.Id, registration.MaxSessions);
            return null;
        }

        // The session's relay, built on the endpoint by the factory, admits the session's players itself and takes its approval
        // away when the session's world is disposed; the endpoint is closed with the session, and refuses everyone after.
        var endpoint = router.Open(info.Id);
        IHostedSession world;
        try
        {
            world = factory(info, endpoint);
        }
        catch (Exception exception)
        {
            // The game's code failed: this session is not hosted (its players are refused; the next heartbeat that lists
            // it, or the next ticket for it, tries again), but the server and its other sessions go on. Thrown on, it left
            // the tick: a heartbeat's answer was cut short, or a player's handshake took the router's receive down.
            endpoint.Close(DisconnectReason.ServerShutdown);
            FactoryFailed(exception, info.Id);
            return null;
        }

        ForgetOpeningFailure(info.Id);

        if (endpoint.AddedApprovals == 0)
        {
            // A factory whose relay is not on this endpoint (an endpoint of its own around it): the relay still decides.
            endpoint.AddApproval(world.Relay.Approve);
        }

        var session = new Hosted(info.Id, endpoint, world, snapshotSequence, time.GetUtcNow(), fromTicket);
        hosted.Add(info.Id, session);
        sessionsChanged = true;
        if (fromTicket)
        {
            logger.LogInformation("Hosting session {Session} ({Max} players), opened from a player's ticket before the directory listed it.", info.Id, info.MaxPlayers);
        }
        else
        {
            logger.LogInformation("Hosting session {Session} ({Name}, {Max} players).", info.Id, info.Name, info.MaxPlayers);
        }
        return session;
    }

    private void CloseFinishedSessions()
    {
        var now = time.GetUtcNow();
        scratch.Clear();
        foreach (var session in hosted.Values)
        {
            if (session.Game.Relay.EndReason == SessionEndReason.None)
            {
                continue;
            }

            session.EndedAt ??= now;
            // The relay disconnected everyone when it ended; the world keeps ticking briefly so the disconnects go out.
            if (session.Endpoint.ConnectionCount == 0 || now - session.EndedAt >= ClosingGrace)
            {
                scratch.Add(session.Id);
            }
        }

        foreach (var id in scratch)
        {
            var session = hosted[id];
            hosted.Remove(id);
            sessionsChanged = true;
            session.Endpoint.Close(DisconnectReason.SessionEnded);
            session.Game.Dispose();
            closed[id] = now;
            logger.LogInformation("Session {Session} closed ({Reason}).", id, session.Game.Relay.EndReason);
        }

        // Tickets live at most a few minutes; remembering closed sessions longer than that only costs memory. Not one the
        // directory still lists live (a silent directory's last list): forgotten, it would be reopened, or reported by a
        // drain as never opened (review 45). Those are as many as the directory places here.
        if (closed.Count > 0 && scratch.Count == 0)
        {
            foreach (var (id, at) in closed)
            {
                if (now - at > ClosedMemory && !listedLive.Contains(id))
                {
                    scratch.Add(id);
                }
            }

            scratch.ForEach(id => closed.Remove(id));
        }
    }
}
