namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The session directory (the engine's <c>createSession(name, maxPlayers)</c>, <c>joinSession(id)</c>,
/// <c>leaveSession()</c>): where players find, create and join matches, and get the connect token for the game
/// server hosting the one they joined. Implementations: <see cref="InProcessSessions"/> (one process hosting its
/// own sessions), <c>SessionDirectory</c> in Traktor.Ecs.Net.Online (SQLite/PostgreSQL, a fleet of game
/// servers) and <see cref="Online.HttpSessions"/> (the same directory over the backend's HTTP API). All are
/// thread-safe; failures are <see cref="Online.OnlineException"/>s with the same codes everywhere.
/// </summary>
public interface ISessions
{
    /// <summary>Creates an empty session and places it on a game server with room.</summary>
    /// <param name="options">Name, capacity, visibility and properties.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new session.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.InvalidArgument"/> for bad options;
    /// <see cref="Online.OnlineError.Unavailable"/> when no live game server has room;
    /// <see cref="Online.OnlineError.QuotaExceeded"/> when a player already owns the most live sessions allowed.</exception>
    Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default);

    /// <summary>Lists live public sessions matching <paramref name="filter"/>, oldest first.</summary>
    /// <param name="filter">Conditions; null lists all.</param>
    /// <param name="offset">Sessions to skip (0 or more).</param>
    /// <param name="limit">Page size (1 to <see cref="SessionLimits.MaxPageSize"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default);

    /// <summary>Looks up a session, listed or not, live or ended (an ended session says why in <see cref="SessionInfo.EndReason"/>).</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its state, or null when no such session exists (or it ended long enough ago to be forgotten).</returns>
    Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a slot in the session for <paramref name="userId"/> when one is free — the check and the take are one
    /// atomic step, across every backend node — and returns a connect token for the game server hosting it. A
    /// player holds a slot in one live session at a time: joining another leaves the previous one.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The authenticated player (becomes the connection's client id).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status and, on success, the session and the connect info.</returns>
    /// <remarks>Without a name: the default implementation joins as <see cref="JoinSessionAsync(SessionId, long, string, CancellationToken)"/>
    /// with an empty one (a directory without accounts then names the player by id).</remarks>
    Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        JoinSessionAsync(id, userId, string.Empty, cancellationToken);

    /// <summary>
    /// Joins as <see cref="JoinSessionAsync(SessionId, long, CancellationToken)"/> does, naming the player for the
    /// session's <see cref="PlayerJoined"/> and member list. A directory with accounts of its own (<c>SessionDirectory</c>,
    /// <see cref="Online.HttpSessions"/>) takes the account's name and ignores <paramref name="playerName"/>;
    /// <see cref="InProcessSessions"/>, which has no accounts, uses it. This overload has no default body, so a wrapper
    /// (a decorator of another directory) must pass the name on: one that forgot would silently lose it. Lua's <c>joinSession</c> and
    /// <see cref="Multiplayer"/> pass the logged-in player's name, so a game on an in-process directory announces its
    /// players by name as one on the backend does.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The authenticated player (becomes the connection's client id).</param>
    /// <param name="playerName">The player's display name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status and, on success, the session and the connect info.</returns>
    Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Joins the oldest live public session that matches <paramref name="filter"/> and has a free slot; when there is
    /// none, creates one from <paramref name="createIfNone"/> and joins it. One atomic step per attempt.
    /// </summary>
    /// <param name="userId">The authenticated player.</param>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">The session to create when none qualifies.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The join (status <see cref="SessionJoinStatus.Joined"/> or <see cref="SessionJoinStatus.AlreadyMember"/>).</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.Unavailable"/> when a session had to be created and no game server has room;
    /// <see cref="Online.OnlineError.QuotaExceeded"/> when one had to be created and the directory bounds how many sessions the
    /// player's quick-joins created and left empty (the backend's: <c>MaxSessionsPerPlayer</c>).</exception>
    /// <remarks>Without a name: the default implementation quick-joins as
    /// <see cref="QuickJoinAsync(long, string, SessionFilter?, SessionOptions, CancellationToken)"/> with an empty one.</remarks>
    Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        QuickJoinAsync(userId, string.Empty, filter, createIfNone, cancellationToken);

    /// <summary>
    /// Quick-joins as <see cref="QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/> does, naming
    /// the player for the session's <see cref="PlayerJoined"/> and member list: used by a directory without accounts
    /// (<see cref="InProcessSessions"/>), ignored by one with accounts, as in
    /// <see cref="JoinSessionAsync(SessionId, long, string, CancellationToken)"/> (no default body either, for the same reason).
    /// </summary>
    /// <param name="userId">The authenticated player.</param>
    /// <param name="playerName">The player's display name.</param>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">The session to create when none qualifies.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The join (status <see cref="SessionJoinStatus.Joined"/> or <see cref="SessionJoinStatus.AlreadyMember"/>).</returns>
    /// <exception cref="Online.OnlineException">As the overload without a name.</exception>
    Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default);

    /// <summary>
    /// The player gives up its slot (<see cref="SessionLeaveReason.Left"/>). The game server disconnects the player if it is
    /// still connected, with <see cref="DisconnectReason.LeftSession"/>. This overload means Left whoever calls it, the
    /// game servers' key included: a game server or an admin tool that removes a player passes
    /// <see cref="SessionLeaveReason.Removed"/> to <see cref="LeaveSessionAsync(SessionId, long, SessionLeaveReason, CancellationToken)"/>,
    /// or the player is told it left on its own.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the player held no slot in the session.</returns>
    /// <remarks>The default implementation leaves as <see cref="LeaveSessionAsync(SessionId, long, SessionLeaveReason, CancellationToken)"/>
    /// with <see cref="SessionLeaveReason.Left"/>.</remarks>
    Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        LeaveSessionAsync(id, userId, SessionLeaveReason.Left, cancellationToken);

    /// <summary>
    /// Frees the player's slot for <paramref name="reason"/>, which the directory records and the game server tells a player
    /// still connected (<see cref="SessionRelay.Leave"/>): a game server removing a player says
    /// <see cref="SessionLeaveReason.Removed"/>, one reporting a player whose reconnect grace expired
    /// <see cref="SessionLeaveReason.TimedOut"/>. Over the backend's HTTP API a player may only say
    /// <see cref="SessionLeaveReason.Left"/> (<see cref="Online.OnlineError.Forbidden"/> otherwise). No default body, so a
    /// wrapper must pass the reason on.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="reason">Why the slot is freed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the player held no slot in the session.</returns>
    Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Frees the player's slot as <see cref="LeaveSessionAsync(SessionId, long, SessionLeaveReason, CancellationToken)"/> does, but
    /// only while it is the seat granted at <paramref name="seatGrantedAt"/>: the <see cref="SessionTicket.IssuedAt"/> of the
    /// ticket a game server admitted the player with (every ticket of one seat carries its grant time, to the millisecond). A
    /// report that arrives after the player took a new seat in the session (it rejoined, so its seat has a later grant) frees
    /// nothing, however late it comes or however often it is retried: what a game server reports when a player's reconnect
    /// grace expires (<see cref="SessionRelay"/>). No default body, so a wrapper must pass the condition on.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="reason">Why the slot is freed.</param>
    /// <param name="seatGrantedAt">The grant time of the seat to free (a ticket's <see cref="SessionTicket.IssuedAt"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the player held no slot in the session, or held one granted at another time.</returns>
    Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default);

    /// <summary>Ends a session (<see cref="SessionEndReason.Ended"/>): its game server disconnects its players with <see cref="DisconnectReason.SessionEnded"/>.</summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when it did not exist or had already ended.</returns>
    Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default);
}
