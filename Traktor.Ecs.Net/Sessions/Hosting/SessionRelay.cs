using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Connects one session to the game-server world hosting it. <see cref="Approve"/> admits a connection only with a
/// <see cref="SessionTicket"/> for this session that was issued after the player's last departure, while the
/// session is live and has room. A member's first connection raises <see cref="PlayerJoined"/> (on the server as a
/// local RPC event, and as an RPC to every client; the newcomer also receives one per player already present); a
/// departure raises <see cref="PlayerLeft"/> the same way; the departed player's entities (<see cref="NetworkOwner"/>) are
/// destroyed at the end of that tick instead of waiting out the reconnect grace. A player whose reconnect grace expires leaves the session
/// and the directory is told (<see cref="ISessions.LeaveSessionAsync(SessionId, long, SessionLeaveReason, DateTimeOffset, CancellationToken)"/>, of the seat
/// the player was admitted with only, so a late report leaves a seat taken since alone), freeing its slot. When the directory says a
/// player left (<see cref="Leave"/>) or the session ended (<see cref="End"/>), the relay disconnects whom it concerns.
/// The relay admits its own players: it adds <see cref="Approve"/> to the server it is built on (<see cref="NetServer.AddApproval"/>,
/// or <see cref="SessionEndpoint.AddApproval"/> for a routed session), so a game never wires it into
/// <see cref="NetServerOptions.ApproveConnection"/>, and no server admits every holder of a valid connect token because
/// its game forgot to. <see cref="Dispose"/> removes that approval and stops listening to the server.
/// </summary>
/// <remarks>
/// <see cref="Leave"/> and <see cref="End"/> may be called from any thread; everything else runs on the tick thread.
/// Departures are remembered for <see cref="DepartureMemory"/> from when this host learned of them, on its own clock
/// (set it to at least the connect-token lifetime, so every token issued before a departure has expired before the
/// departure is forgotten); an approval that never became a connection is forgotten as long after it.
/// </remarks>
public sealed partial class SessionRelay : IDisposable
{
    private readonly NetworkServer server;
    private readonly ReconnectGrace grace;
    private readonly LeaveReports? reports;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConcurrentQueue<(long UserId, DateTimeOffset At, SessionLeaveReason Reason)> leaves = new();
    private readonly Dictionary<ulong, string> names = new();
    // The issue time of the newest ticket each player was admitted with, and when (the host's clock): kept while it is
    // present, forgotten when it departs or when it was approved and never connected (see ForgetOld).
    private readonly Dictionary<ulong, (DateTimeOffset Issued, DateTimeOffset ApprovedAt)> admittedTickets = new();
    // When each player departed (the directory's clock: older tickets are void) and when this host recorded it (its own clock:
    // the memory's start, so a host whose clock runs ahead of the directory's does not forget a departure at once).
    private readonly Dictionary<ulong, (DateTimeOffset At, DateTimeOffset RecordedAt)> departures = new();
    private readonly Dictionary<ulong, ConnectionId> connections = new();
    private readonly List<ulong> present = new();
    private readonly List<ulong> scratch = new();
    // The players of an ended session, let go once they hold its final world.
    private readonly EndDelivery ending;
    private volatile int endRequested;
    private DateTimeOffset nextAdmissionSweep;
    private readonly IDisposable? approval;
    private bool disposed;

    /// <summary>
    /// Relays session <paramref name="session"/>'s membership to <paramref name="rpcs"/>' world and clients, and from now on
    /// admits only its players to the server <paramref name="rpcs"/> runs on (see <see cref="Approve"/>). Make it before the
    /// server's first update, so no connection is admitted without it.
    /// </summary>
    /// <param name="rpcs">The server's RPC layer.</param>
    /// <param name="session">The session this world hosts.</param>
    /// <param name="maxPlayers">Its capacity: connections beyond it are refused even with a valid ticket.</param>
    /// <param name="directory">Told when a player's reconnect grace expires, or null.</param>
    /// <param name="time">The clock of departure times.</param>
    /// <param name="logger">Diagnostics.</param>
    public SessionRelay(RpcServer rpcs, SessionId session, int maxPlayers, ISessions? directory = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(rpcs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPlayers, 1);
        server = rpcs.Server;
        grace = rpcs.Grace;
        Session = session;
        MaxPlayers = maxPlayers;
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        reports = directory is null ? null : new LeaveReports(directory, session, this.time, this.logger);
        ending = new EndDelivery(server);
        server.Received += Drain;
        server.ClientConnected += OnConnected;
        server.ConnectionClosed += OnDisconnected;
        grace.Expired += OnGraceExpired;
        approval = EndpointApprovals.TryAdd(server.Transport, Refusal);
    }

    /// <summary>The session this world hosts.</summary>
    public SessionId Session { get; }

    /// <summary>The session's capacity.</summary>
    public int MaxPlayers { get; }

    /// <summary>How long a departure voids older tickets, counted on this host's clock from when it learned of it. Default 2 minutes.</summary>
    public TimeSpan DepartureMemory { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Players announced and not yet departed, in join order.</summary>
    public IReadOnlyList<ulong> PresentPlayers => present;

    /// <summary>Why the session ended, or <see cref="SessionEndReason.None"/> while it runs.</summary>
    public SessionEndReason EndReason { get; private set; }

    /// <summary>Raised on the tick thread when a player departs (left, removed, or its grace expired), with its id.</summary>
    public event Action<ulong>? Departed;

    /// <summary>Reports of expired graces to the directory under way (sent or waiting to be retried), for tests.</summary>
    internal int PendingLeaveReports => reports?.Pending ?? 0;

    /// <summary>Players whose admission the relay remembers (present, or approved and not yet connected), for tests of its bound.</summary>
    internal int AdmissionsTracked => admittedTickets.Count;

    /// <summary>
    /// The directory freed <paramref name="userId"/>'s slot: it departs, and a connection still open for it ends with the
    /// <see cref="DisconnectReason"/> that says why: <see cref="DisconnectReason.LeftSession"/> when the player left itself,
    /// <see cref="DisconnectReason.Kicked"/> otherwise (removed, or freed as <see cref="SessionLeaveReason.TimedOut"/>: a
    /// <see cref="DisconnectReason.TimedOut"/> would read as the link's loss). Any thread.
    /// </summary>
    /// <param name="userId">The player.</param>
    /// <param name="at">When it left, on the directory's clock (tickets issued until then are void).</param>
    /// <param name="reason">Why (<see cref="SessionDeparture.Reason"/>).</param>
    public void Leave(long userId, DateTimeOffset at, SessionLeaveReason reason) => leaves.Enqueue((userId, at, reason));

    /// <summary>
    /// After a host migration (the relay of the new host): a player the old host announced is present without being
    /// announced again, so reaching this host is a reconnect, as within a reconnect grace; tell <see cref="Leave"/> when it
    /// does not come back. Tick thread, before the player connects.
    /// </summary>
    /// <param name="clientId">The player.</param>
    /// <param name="name">Its name, for its <see cref="PlayerLeft"/>.</param>
    internal void Adopt(ulong clientId, string name)
    {
        if (present.Contains(clientId))
        {
            return;
        }

        present.Add(clientId);
        names[clientId] = name;
    }

    /// <summary>
    /// The session ended: at the next tick every player is sent the world of that tick, in every tick until it holds all of
    /// it (every entity it may see acknowledged as of that tick, however many snapshots that took: a snapshot lost on the
    /// way is followed by the next, which carries what the player has not acknowledged), and disconnected with
    /// <see cref="DisconnectReason.SessionEnded"/> once it also acknowledged its reliable messages (the winner in an RPC sent
    /// before the end), within <see cref="EndDeliveryWait"/>. Any thread.
    /// </summary>
    /// <param name="reason">Why.</param>
    public void End(SessionEndReason reason)
    {
        if (reason == SessionEndReason.None)
        {
            throw new ArgumentException("A session ends for a reason.", nameof(reason));
        }

        Interlocked.CompareExchange(ref endRequested, (int)reason, 0);
    }

    /// <summary>
    /// Stops relaying: the approval the relay added to its server is removed, and it no longer listens to the server's
    /// connections and ticks or to the reconnect grace: a relay listening for the server's life would join the relay of a
    /// session that follows on the same server, and announce every player a second time. A relay whose session ended lets
    /// the server's replication read the world again (its end froze it at the end's tick).
    /// Reports to the directory already under way go on. Tick thread.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (ending.Started)
        {
            server.Replication.Thaw(); // a session that follows on this server replicates its own world
        }

        approval?.Dispose();
        server.Received -= Drain;
        server.ClientConnected -= OnConnected;
        server.ConnectionClosed -= OnDisconnected;
        grace.Expired -= OnGraceExpired;
    }

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        Drain();
        connections[clientId] = connection;
        if (present.Contains(clientId))
        {
            return; // a reconnect within the grace period: nothing to announce
        }

        // The newcomer learns who is already here, then everyone (itself included) learns about it. Every one of these
        // counts the newcomer: a count before it (as sent until 5 Dec 2026) put one number under several names in a UI
        // ("alice joined, 2 here", "bob joined, 2 here", "carol joined, 3 here") that was true of none of them now.
        foreach (ulong other in present)
        {
            server.World.SendRpc(Joined(other, present.Count + 1), RpcTarget.To(connection));
        }

        present.Add(clientId);
        var joined = Joined(clientId, present.Count);
        server.World.Create(joined, RpcSource.Local);
        SendToConnected(joined);
    }

    private void OnDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        foreach (var (clientId, known) in connections)
        {
            if (known == connection)
            {
                connections.Remove(clientId);
                ending.Forget(connection);
                if (!present.Contains(clientId))
                {
                    grace.Release(clientId);   // it left the session before its connection closed (removed, kicked)
                }

                return;
            }
        }
    }

    private void OnGraceExpired(ulong clientId)
    {
        if (!present.Contains(clientId))
        {
            return;
        }

        // As of the ticket it was admitted with (the directory's clock), not this host's now: a host whose clock is ahead of
        // the directory's (another machine; or a directory keeping milliseconds) refused the ticket the directory issued
        // for the player's rejoin just after the expiry, and the player could not come back.
        DateTimeOffset? seatGrantedAt = admittedTickets.TryGetValue(clientId, out var admitted) ? admitted.Issued : null;
        Depart(clientId, DepartureOf(clientId, time.GetUtcNow()));
        if (reports is not null && EndReason == SessionEndReason.None)
        {
            // Of the seat the player was admitted with only: the report leaves unawaited, is retried while the directory cannot
            // answer, and may reach it after the player rejoined (a new seat, granted later), which an unconditional leave
            // removed. A player admitted without this relay's approval (a server endpoint that has none) leaves whatever seat it
            // holds; a player adopted after a host migration was approved with its seat's ticket when it reconnected here.
            reports.Report(clientId, seatGrantedAt);
        }
    }

    private void Drain()
    {
        while (leaves.TryDequeue(out var leave))
        {
            ulong clientId = (ulong)leave.UserId;
            RecordDeparture(clientId, leave.At);

            // A departure older than the ticket the player was admitted with is over: it joined again since (the directory
            // cleared the departure on the rejoin, but a heartbeat answer read before that still listed it). Applied, it cut
            // the player that had just come back. Both come from the directory's clock. A player adopted after a migration
            // has no admission here, and leaves.
            if (admittedTickets.TryGetValue(clientId, out var admitted) && admitted.Issued > leave.At)
            {
                logger.LogInformation("Player {Player} of session {Session} rejoined after its departure at {At}; it stays.", clientId, Session, leave.At);
                continue;
            }

            if (present.Contains(clientId))
            {
                Depart(clientId, leave.At);
                if (connections.TryGetValue(clientId, out var connection))
                {
                    server.Transport.Disconnect(connection, DisconnectOf(leave.Reason));
                }
            }
        }

        if (endRequested != 0 && EndReason == SessionEndReason.None)
        {
            EndReason = (SessionEndReason)endRequested;
            logger.LogInformation("Session {Session} ended ({Reason}); disconnecting {Count} players.", Session, EndReason, connections.Count);
            // The final world is this tick's: the game's systems see EndReason after this, and the replication at the end of
            // the tick sends it to every player, due or not, and again in every tick until the player holds it.
            ending.Begin(connections.Values);
        }

        ending.Update();
        ForgetOld();
    }

    // A player's own leave is not a kick (LeftSession): a game tells a player that left from another device (or
    // through the raw directory API) from one the game server removed. A seat the directory
    // freed as TimedOut (idle sweep, lost host, awaited player) is a removal too: on the wire TimedOut means the link was
    // lost, which a player-hosted client (Multiplayer, MigratingPeer, Lua) reads as its host's loss and would migrate.
    /// <summary>
    /// How long an ended session waits at most for each player to acknowledge the final world and what was sent to it
    /// before the notice: a few resends on a lossy link, under the game-server host's one-second closing grace, which cuts
    /// whoever is left. Timed on the server endpoint's clock (<see cref="IServerEndpoint.Clock"/>), which its connections'
    /// deadlines run on, not on the relay's (the clock of departures): a relay given another clock than its server's would
    /// otherwise hold a silent player past the wait, or let it go at once.
    /// </summary>
    public static readonly TimeSpan EndDeliveryWait = TimeSpan.FromMilliseconds(750);

    private static DisconnectReason DisconnectOf(SessionLeaveReason reason) => reason switch
    {
        SessionLeaveReason.Left => DisconnectReason.LeftSession,
        _ => DisconnectReason.Kicked,
    };

    private void Depart(ulong clientId, DateTimeOffset at)
    {
        present.Remove(clientId);
        string name = names.GetValueOrDefault(clientId, string.Empty);
        names.Remove(clientId);
        admittedTickets.Remove(clientId);
        RecordDeparture(clientId, at);

        // Its entities wait for no reconnect: they go at the end of this tick, after the gameplay saw PlayerLeft with them.
        grace.Release(clientId);
        var left = new PlayerLeft { PlayerId = clientId, PlayerCount = present.Count, Name = name };
        server.World.Create(left, RpcSource.Local);
        SendToConnected(left);
        Departed?.Invoke(clientId);
    }

    // To the clients connected now, not RpcTarget.AllClients: that is resolved when the RPCs leave at the end of the
    // tick, so a player who connects later in the same tick would hear this event besides the roster it gets.
    private void SendToConnected<T>(in T rpc)
        where T : unmanaged
    {
        foreach (var connection in connections.Values)
        {
            server.World.SendRpc(rpc, RpcTarget.To(connection));
        }
    }

    private PlayerJoined Joined(ulong playerId, int count) =>
        new() { PlayerId = playerId, PlayerCount = count, Name = names.GetValueOrDefault(playerId, string.Empty) };
}
