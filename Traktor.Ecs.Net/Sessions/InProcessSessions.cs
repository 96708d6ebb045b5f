using System.Net;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// <see cref="ISessions"/> in memory, for one game-server process that hosts its own sessions (a listen server, a
/// LAN game, tests). Every session lives on the server at the given addresses. One lock guards all sessions:
/// operations are short, and the capacity check and the slot take must be atomic. Ended sessions stay readable
/// (the newest <see cref="EndedSessionsKept"/>) so clients can learn why they ended. As the backend's directory does, a
/// player's quick-joins may leave at most <see cref="MaxSessionsPerPlayer"/> sessions they created empty, and such a
/// session ends once it has stood empty for <see cref="EmptySessionTimeout"/> (docs/SECURITY.md, "Sessions left empty
/// by quick-joins").
/// </summary>
public sealed partial class InProcessSessions : ISessions
{
    /// <summary>How many ended sessions stay readable through <see cref="GetSessionAsync"/>.</summary>
    public const int EndedSessionsKept = 256;

    private readonly Lock gate = new();
    private readonly Dictionary<SessionId, Session> sessions = new();
    private readonly List<Session> byAge = new();
    private readonly Queue<SessionId> ended = new();
    private readonly Dictionary<long, SessionId> seatOf = new();
    private readonly SessionTokenIssuer tokens;
    private readonly NetAddress[] serverAddresses;
    private readonly TimeProvider time;

    /// <summary>Creates the service for sessions hosted on the game server at <paramref name="serverAddresses"/> (UDP).</summary>
    /// <param name="tokens">The game server's key and the token settings.</param>
    /// <param name="serverAddresses">The game server's public UDP addresses (1 to 8).</param>
    /// <param name="time">The clock (token expiry, creation times).</param>
    /// <exception cref="ArgumentException">No address, more than 8, or one that is the unspecified address a socket binds to.</exception>
    public InProcessSessions(SessionTokenOptions tokens, IReadOnlyList<IPEndPoint> serverAddresses, TimeProvider? time = null)
        : this(tokens, (serverAddresses ?? throw new ArgumentNullException(nameof(serverAddresses))).Select(e => NetAddress.FromEndPoint(e)).ToArray(), time)
    {
    }

    /// <summary>
    /// Creates the service for sessions hosted on the game server at <paramref name="serverAddresses"/>: UDP first, then the
    /// TCP or WebSocket addresses it also listens on (docs/TRANSPORT.md, "Fallback").
    /// </summary>
    /// <param name="tokens">The game server's key and the token settings.</param>
    /// <param name="serverAddresses">The game server's public addresses (1 to 8, of any transport kind), in the order clients try them.</param>
    /// <param name="time">The clock (token expiry, creation times).</param>
    /// <exception cref="ArgumentException">No address, more than 8, or one that is the unspecified address a socket binds to.</exception>
    public InProcessSessions(SessionTokenOptions tokens, IReadOnlyList<NetAddress> serverAddresses, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        if (serverAddresses.Count is 0 or > 8)
        {
            throw new ArgumentException("A game server names 1 to 8 addresses.", nameof(serverAddresses));
        }

        NetAddress.RequireReachable(serverAddresses, nameof(serverAddresses));

        this.time = time ?? TimeProvider.System;
        this.tokens = new SessionTokenIssuer(tokens, this.time);
        this.serverAddresses = serverAddresses.ToArray();
    }

    /// <summary>
    /// How many sessions a player's quick-joins created may stand empty at once (default 2, as the backend's
    /// <c>MaxSessionsPerPlayer</c>): a quick-join that would create another fails with <see cref="OnlineError.QuotaExceeded"/>
    /// until one of them is joined by someone or ends. Each quick-join whose filter matches nothing creates a session and
    /// moves the player's one seat into it, leaving the previous one empty; without this bound one player's quick-joins
    /// added a session each, for good.
    /// </summary>
    public int MaxSessionsPerPlayer
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSessionsPerPlayer), "A quota is 0 or more.");
    } = 2;

    /// <summary>
    /// How long a session a quick-join created may stand empty before it ends with <see cref="SessionEndReason.Empty"/>
    /// (default 60 s, as the backend's <c>EmptySessionTimeout</c>). Checked when players join, quick-join or list sessions.
    /// Sessions made by <see cref="CreateSessionAsync"/> are the game's own and end only when it ends them.
    /// </summary>
    public TimeSpan EmptySessionTimeout
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(EmptySessionTimeout), "A timeout is zero or more.");
    } = TimeSpan.FromSeconds(60);

    /// <summary>Raised after a player took a seat, with its name; on the caller's thread.</summary>
    public event Action<SessionId, long, string>? MemberJoined;

    /// <summary>Raised after a player's slot was freed (left, moved to another session, removed), with when and why; on the caller's thread.</summary>
    public event Action<SessionId, SessionDeparture>? MemberLeft;

    /// <summary>Raised after a session ended, with the reason; on the caller's thread.</summary>
    public event Action<SessionId, SessionEndReason>? SessionEnded;

    /// <summary>Feeds <paramref name="relay"/> with its session's departures and end, so it disconnects whom they concern.</summary>
    /// <param name="relay">The relay of a session of this service.</param>
    public void Attach(SessionRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        MemberLeft += (session, departure) =>
        {
            if (session == relay.Session)
            {
                relay.Leave(departure.UserId, departure.At, departure.Reason);
            }
        };
        SessionEnded += (session, reason) =>
        {
            if (session == relay.Session)
            {
                relay.End(reason);
            }
        };
    }

    /// <inheritdoc />
    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var session = new Session(SessionId.New(), options, time.GetUtcNow());
        lock (gate)
        {
            sessions.Add(session.Id, session);
            byAge.Add(session);
            return Task.FromResult(session.Snapshot());
        }
    }

    /// <inheritdoc />
    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default)
    {
        SessionLimits.CheckPage(offset, limit);
        filter?.Validate();
        List<SessionInfo> matching;
        var endedNow = new List<SessionId>();
        lock (gate)
        {
            EndStaleSpawnedLocked(endedNow);
            matching = byAge.Where(s => s.Visibility == SessionVisibility.Public).Select(s => s.Snapshot()).ToList();
        }

        RaiseEnded(endedNow, SessionEndReason.Empty);
        if (filter is not null)
        {
            matching.RemoveAll(s => !filter.Matches(s));
        }

        var page = matching.Skip(offset).Take(limit).ToArray();
        int? next = offset + page.Length < matching.Count ? offset + page.Length : null;
        return Task.FromResult(new SessionPage(page, matching.Count, next));
    }

    /// <inheritdoc />
    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(sessions.TryGetValue(id, out var found) ? found.Snapshot() : null);
        }
    }

    /// <inheritdoc />
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        JoinSessionAsync(id, userId, string.Empty, cancellationToken);

    /// <summary>Joins as <see cref="ISessions.JoinSessionAsync(SessionId, long, CancellationToken)"/> does, with a display name for <see cref="PlayerJoined"/>.</summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player (positive).</param>
    /// <param name="playerName">Its display name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status and, on success, the session and the connect info.</returns>
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(playerName);
        CheckUser(userId);
        var left = new List<(SessionId, DateTimeOffset)>();
        var endedNow = new List<SessionId>();
        SessionJoinResult result;
        lock (gate)
        {
            EndStaleSpawnedLocked(endedNow);
            result = JoinLocked(id, userId, playerName, left);
        }

        RaiseEnded(endedNow, SessionEndReason.Empty);
        return Task.FromResult(Finish(result, userId, playerName, left));
    }

    /// <inheritdoc />
    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        QuickJoinAsync(userId, string.Empty, filter, createIfNone, cancellationToken);

    /// <summary>Quick-joins as <see cref="QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/> does, with a display name for <see cref="PlayerJoined"/>.</summary>
    /// <param name="userId">The player (positive).</param>
    /// <param name="playerName">Its display name.</param>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">The session to create when none qualifies.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The join.</returns>
    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(playerName);
        ArgumentNullException.ThrowIfNull(createIfNone);
        CheckUser(userId);
        filter?.Validate();
        createIfNone.Validate();
        var left = new List<(SessionId, DateTimeOffset)>();
        var endedNow = new List<SessionId>();
        SessionJoinResult result;
        try
        {
            lock (gate)
            {
                EndStaleSpawnedLocked(endedNow);
                var candidate = byAge.FirstOrDefault(s => s.Visibility == SessionVisibility.Public && (s.Members.Count < s.MaxPlayers || s.IsMember(userId))
                    && (filter is null || filter.Matches(s.Snapshot())));
                if (candidate is null)
                {
                    // The player's next quick-join moves its seat on and leaves this session empty: bounded as on the backend.
                    if (byAge.Count(s => s.SpawnedBy == userId && s.Members.Count == 0) >= MaxSessionsPerPlayer)
                    {
                        throw new OnlineException(OnlineError.QuotaExceeded,
                            $"A player's quick-joins may leave at most {MaxSessionsPerPlayer} sessions they created empty; join one of them or wait until they end.");
                    }

                    candidate = new Session(SessionId.New(), createIfNone, time.GetUtcNow()) { SpawnedBy = userId };
                    sessions.Add(candidate.Id, candidate);
                    byAge.Add(candidate);
                }

                result = JoinLocked(candidate.Id, userId, playerName, left);
            }
        }
        finally
        {
            RaiseEnded(endedNow, SessionEndReason.Empty);
        }

        return Task.FromResult(Finish(result, userId, playerName, left));
    }

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        LeaveSessionAsync(id, userId, SessionLeaveReason.Left, cancellationToken);

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
        LeaveAsync(id, userId, reason, null);

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
        LeaveAsync(id, userId, reason, seatGrantedAt);

    private Task<bool> LeaveAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset? seatGrantedAt)
    {
        // As the directory: an undefined reason would reach the relay's MemberLeft and a game's handler as is.
        if (!Enum.IsDefined(reason))
        {
            throw OnlineException.Invalid("Unknown leave reason.");
        }

        DateTimeOffset at;
        lock (gate)
        {
            var now = time.GetUtcNow();
            at = DepartureTimeLocked(userId, now); // the departure players and game servers hear of; the session empties now
            if (!sessions.TryGetValue(id, out var session) || session.State != SessionState.Live || !session.Remove(userId, now, seatGrantedAt))
            {
                return Task.FromResult(false);
            }

            seatOf.Remove(userId);
            NoteDepartureLocked(userId, at);
        }

        MemberLeft?.Invoke(id, new SessionDeparture(userId, at, reason));
        return Task.FromResult(true);
    }

    private SessionJoinResult JoinLocked(SessionId id, long userId, string playerName, List<(SessionId, DateTimeOffset)> left)
    {
        if (!sessions.TryGetValue(id, out var session))
        {
            return new SessionJoinResult(SessionJoinStatus.NotFound, null, null);
        }

        if (session.State != SessionState.Live)
        {
            return new SessionJoinResult(SessionJoinStatus.Ended, session.Snapshot(), null);
        }

        if (session.IsMember(userId))
        {
            return new SessionJoinResult(SessionJoinStatus.AlreadyMember, session.Snapshot(), null);
        }

        if (session.Members.Count >= session.MaxPlayers)
        {
            return new SessionJoinResult(SessionJoinStatus.Full, session.Snapshot(), null);
        }

        // One live session per player: taking this seat gives up the previous one in the same step.
        var now = time.GetUtcNow();
        var departed = DepartureTimeLocked(userId, now);
        if (seatOf.Remove(userId, out var previous) && sessions.TryGetValue(previous, out var old) && old.Remove(userId, now))
        {
            left.Add((previous, departed));
            NoteDepartureLocked(userId, departed);
        }

        // Granted to the millisecond, as a ticket carries it: every ticket of this seat names it, and a conditional leave
        // (LeaveSessionAsync with the grant time) frees the seat only while it is this one (each seat's grant is its own).
        session.Add(new SessionMember(userId, playerName, GrantSeatLocked(userId, now)));
        seatOf[userId] = id;
        return new SessionJoinResult(SessionJoinStatus.Joined, session.Snapshot(), null);
    }

    private SessionJoinResult Finish(SessionJoinResult result, long userId, string playerName, List<(SessionId Session, DateTimeOffset At)> left)
    {
        foreach (var (previous, at) in left)
        {
            MemberLeft?.Invoke(previous, new SessionDeparture(userId, at, SessionLeaveReason.Left)); // it moved: its own choice
        }

        if (!result.Succeeded)
        {
            return result;
        }

        if (result.Status == SessionJoinStatus.Joined)
        {
            MemberJoined?.Invoke(result.Session!.Id, userId, playerName);
        }

        // Token issuing (key derivation, sealing) runs outside the lock so concurrent joins stay short.
        var session = result.Session!;
        var member = session.Members.First(m => m.UserId == userId);
        string name = member.Name;
        // Stamped with the seat's grant, as the backend's directory does, for a rejoin (AlreadyMember) too: a game server reports
        // the player's departure with it, and the directory frees the seat only while it is that one.
        var ticket = new SessionTicket(session.Id, member.JoinedAt, session.MaxPlayers, name.Length > 0 ? name : playerName);
        return result with { ConnectInfo = tokens.Issue(userId, ticket, serverAddresses) };
    }

    private static void CheckUser(long userId)
    {
        if (userId <= 0)
        {
            throw OnlineException.Invalid("A player id is positive.");
        }
    }
}
