using System.Data.Common;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>
/// The session directory on an <see cref="OnlineDatabase"/> (SQLite embedded, PostgreSQL for several backend nodes):
/// <see cref="ISessions"/> for players and <see cref="IGameServerFleet"/> for game servers. Every join is one
/// transaction that locks the player's seat row and then the session row, so the capacity check and the seat take are
/// atomic across nodes and a player never holds two seats. Sessions are placed on the least-loaded live server whose
/// free capacity fits them (a conditional update, so two nodes never overfill a server); a server silent for
/// <see cref="SessionDirectoryOptions.DeadAfter"/> is declared dead by whichever node notices first (<see cref="SweepAsync"/>,
/// or a join that finds it stale), and its sessions end with <see cref="SessionEndReason.ServerLost"/>.
/// </summary>
public sealed partial class SessionDirectory : ISessions, IGameServerFleet
{
    private readonly OnlineDatabase _db;
    private readonly SessionDirectoryOptions _options;
    private readonly SessionTokenIssuer _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startedAtMs;

    /// <summary>Creates the directory.</summary>
    /// <param name="database">The migrated store (the same one the other online services use).</param>
    /// <param name="options">Token settings, timeouts and budgets.</param>
    /// <param name="time">The clock (heartbeat deadlines, token times).</param>
    /// <param name="logger">Where placements, deaths and ends are logged.</param>
    public SessionDirectory(OnlineDatabase database, SessionDirectoryOptions options, TimeProvider? time = null, ILogger<SessionDirectory>? logger = null)
    {
        _db = database ?? throw new ArgumentNullException(nameof(database));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _tokens = new SessionTokenIssuer(options.Tokens, _time);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _startedAtMs = NowMs;
    }

    /// <summary>The rules in force.</summary>
    public SessionDirectoryOptions Options => _options;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long FreshSinceMs(long now) => now - (long)_options.DeadAfter.TotalMilliseconds;

    /// <summary>
    /// True once this node has run for <see cref="SessionDirectoryOptions.DeadAfter"/>. Until then it declares no server dead:
    /// if every backend node was down (a restart, an outage), the game servers could not heartbeat, and their silence is the
    /// backend's, not theirs; a live server heartbeats again within an interval. A server that really died is declared dead
    /// at most <see cref="SessionDirectoryOptions.DeadAfter"/> later than usual.
    /// </summary>
    private bool MayDeclareDeaths(long now) => now - _startedAtMs >= (long)_options.DeadAfter.TotalMilliseconds;

    /// <inheritdoc/>
    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) =>
        CreateSessionAsync(options, createdBy: null, cancellationToken);

    /// <summary>Creates a session as <see cref="ISessions.CreateSessionAsync"/> does, recording the player who asked (counted against <see cref="SessionDirectoryOptions.MaxSessionsPerPlayer"/>; it may end the session).</summary>
    /// <param name="options">Name, capacity, visibility and properties.</param>
    /// <param name="createdBy">The creating player, or null for a game server or an operator.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new session.</returns>
    public async Task<SessionInfo> CreateSessionAsync(SessionOptions options, long? createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (createdBy is { } creator)
        {
            CheckUser(creator);
        }

        string id = await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            if (createdBy is { } creator)
            {
                await LockSeatAsync(connection, transaction, creator, cancellationToken).ConfigureAwait(false);
                await CheckCreatorQuotaAsync(connection, transaction, creator, cancellationToken).ConfigureAwait(false);
            }

            return await InsertSessionAsync(connection, transaction, options, createdBy, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        SessionMetrics.SessionsCreated.Add(1);
        return (await _db.ReadAsync(c => SessionRows.LoadOneAsync(c, null, id, cancellationToken), cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default)
    {
        SessionLimits.CheckPage(offset, limit);
        filter?.Validate();
        var (where, parameters) = SessionFilterSql.Build(filter);
        return await _db.ReadAsync(async connection =>
        {
            long total = await connection.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM sessions s WHERE {where}", cancellationToken, [.. parameters]).ConfigureAwait(false);
            var ids = await connection.QueryAsync(null, $"SELECT s.id FROM sessions s WHERE {where} ORDER BY s.created_at, s.id LIMIT @limit OFFSET @offset",
                reader => reader.GetString(0), cancellationToken, [.. parameters, ("@limit", (long)limit), ("@offset", (long)offset)]).ConfigureAwait(false);
            var page = await SessionRows.LoadAsync(connection, null, ids, cancellationToken).ConfigureAwait(false);
            int? next = offset + page.Count < total ? offset + page.Count : null;
            return new SessionPage(page, (int)Math.Min(total, int.MaxValue), next);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        _db.ReadAsync(connection => SessionRows.LoadOneAsync(connection, null, id.ToString(), cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        LeaveAsync(id, userId, SessionLeaveReason.Left, SessionEndReason.Ended, null, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(reason))
        {
            throw OnlineException.Invalid("Unknown leave reason.");
        }

        return LeaveAsync(id, userId, reason, SessionEndReason.Ended, null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(reason))
        {
            throw OnlineException.Invalid("Unknown leave reason.");
        }

        return LeaveAsync(id, userId, reason, SessionEndReason.Ended, seatGrantedAt.ToUnixTimeMilliseconds(), cancellationToken);
    }

    /// <summary>
    /// Frees <paramref name="userId"/>'s seat, recording <paramref name="why"/> for its game server; when it hosts the session (<see cref="SessionHostKind.Player"/>) the session
    /// ends with <paramref name="hostGone"/>: <see cref="SessionEndReason.Ended"/> when the host left, <see cref="SessionEndReason.ServerLost"/>
    /// when the sweep released a host that stopped reporting (its game died). A host that leaves before it ever published its
    /// address, while a successor it may hand the session to is seated, gives the session back instead (<see cref="GivenBackOnLeaveAsync"/>).
    /// With <paramref name="seatGrantedAtMs"/>, only the seat granted then is freed (its <c>joined_at</c>): a rejoin since made a new one.
    /// </summary>
    private async Task<bool> LeaveAsync(SessionId id, long userId, SessionLeaveReason why, SessionEndReason hostGone, long? seatGrantedAtMs,
        CancellationToken cancellationToken)
    {
        CheckUser(userId);
        string sessionId = id.ToString();
        bool hostLeft = false;
        bool left = await _db.WriteAsync(async (connection, transaction) =>
        {
            hostLeft = false;
            long now = NowMs;
            string? seat = await LockSeatAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            bool freed = await ReleaseSeatAsync(connection, transaction, sessionId, userId, why, now, seatGrantedAtMs, cancellationToken).ConfigureAwait(false);
            if (seat == sessionId && (freed || seatGrantedAtMs is null))
            {
                await connection.ExecuteAsync(transaction, "UPDATE session_seats SET session_id = NULL WHERE user_id = @u", cancellationToken, ("@u", userId)).ConfigureAwait(false);
            }

            if (freed && await IsPlayerHostAsync(connection, transaction, sessionId, userId, cancellationToken).ConfigureAwait(false)
                && !(hostGone == SessionEndReason.Ended && await GivenBackOnLeaveAsync(connection, transaction, sessionId, userId, cancellationToken).ConfigureAwait(false)))
            {
                // The host's game is the session's server: when the host leaves, the session ends for everyone, as ended by its
                // creator (Ended: the players are told the host left; not ServerLost, which players are shown as a crash);
                // when the sweep released a silent host, its game is lost (ServerLost).
                hostLeft = await EndLockedAsync(connection, transaction, sessionId, hostGone, now, cancellationToken).ConfigureAwait(false);
            }

            return freed;
        }, cancellationToken).ConfigureAwait(false);
        if (left)
        {
            SessionMetrics.Leaves.Add(1);
        }

        if (hostLeft)
        {
            Ended(sessionId, hostGone);
        }

        return left;
    }

    /// <inheritdoc/>
    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        EndSessionAsync(id, asPlayer: null, cancellationToken);

    /// <summary>Ends a session as <see cref="ISessions.EndSessionAsync"/> does; a player may end only a session it created.</summary>
    /// <param name="id">The session.</param>
    /// <param name="asPlayer">The player asking, or null for a game server or an operator.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when it did not exist or had already ended.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Forbidden"/> when <paramref name="asPlayer"/> did not create it.</exception>
    public async Task<bool> EndSessionAsync(SessionId id, long? asPlayer, CancellationToken cancellationToken = default)
    {
        string sessionId = id.ToString();
        bool ended = await _db.WriteAsync(async (connection, transaction) =>
        {
            if (asPlayer is { } player)
            {
                long? creator = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT created_by FROM sessions WHERE id = @id",
                    reader => reader.GetNullableInt64(0), cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
                if (creator != player)
                {
                    throw new OnlineException(OnlineError.Forbidden, "A player may end only a session it created.");
                }
            }

            return await EndLockedAsync(connection, transaction, sessionId, SessionEndReason.Ended, NowMs, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (ended)
        {
            Ended(sessionId, SessionEndReason.Ended);
        }

        return ended;
    }

    /// <summary>Frees <paramref name="userId"/>'s slot in a live session (locking the session row), recording why; false when it held none.</summary>
    private Task<bool> ReleaseSeatAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, SessionLeaveReason why, long now,
        CancellationToken cancellationToken) => ReleaseSeatAsync(connection, transaction, sessionId, userId, why, now, null, cancellationToken);

    /// <summary>
    /// Frees the slot as the overload without a grant time does; with <paramref name="seatGrantedAtMs"/>, only the seat granted
    /// then (false when the player holds one granted at another time).
    /// </summary>
    private async Task<bool> ReleaseSeatAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, SessionLeaveReason why, long now,
        long? seatGrantedAtMs, CancellationToken cancellationToken)
    {
        var session = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT state FROM sessions WHERE id = @id" + _db.ForUpdate,
            reader => (SessionState?)reader.GetInt64(0), cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (session != SessionState.Live)
        {
            return false;
        }

        // Never before the seat's tickets (stamped at joined_at, maybe by a node whose clock runs ahead of this one's): a
        // departure older than the ticket a player was admitted with reads, to its game server, as one it rejoined since,
        // and the player that left would stay in the game.
        // A conditional leave (a game server's report of an expired reconnect grace, maybe late or retried) frees only the seat
        // its ticket was for: applied to the seat the player took since (it rejoined), it would remove the player that came back.
        int changed = seatGrantedAtMs is { } grantedAt
            ? await connection.ExecuteAsync(transaction,
                "UPDATE session_members SET left_at = CASE WHEN joined_at > @t THEN joined_at ELSE @t END, left_why = @why WHERE session_id = @s AND user_id = @u AND left_at IS NULL AND joined_at = @g",
                cancellationToken, ("@t", now), ("@why", (long)why), ("@s", sessionId), ("@u", userId), ("@g", grantedAt)).ConfigureAwait(false)
            : await connection.ExecuteAsync(transaction,
                "UPDATE session_members SET left_at = CASE WHEN joined_at > @t THEN joined_at ELSE @t END, left_why = @why WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
                cancellationToken, ("@t", now), ("@why", (long)why), ("@s", sessionId), ("@u", userId)).ConfigureAwait(false);
        if (changed == 0)
        {
            return false;
        }

        await connection.ExecuteAsync(transaction,
            "UPDATE sessions SET player_count = player_count - 1, emptied_at = CASE WHEN player_count = 1 THEN @t ELSE emptied_at END WHERE id = @s",
            cancellationToken, ("@t", now), ("@s", sessionId)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Ends a live session and returns its reservation to its server; false when it was not live.</summary>
    private async Task<bool> EndLockedAsync(DbConnection connection, DbTransaction transaction, string sessionId, SessionEndReason reason, long now, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT state, max_players, server_id FROM sessions WHERE id = @id" + _db.ForUpdate,
            reader => new SessionLock((SessionState)reader.GetInt64(0), (int)reader.GetInt64(1), 0, reader.GetNullableString(2)), cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (row is not { State: SessionState.Live })
        {
            return false;
        }

        await connection.ExecuteAsync(transaction, "UPDATE sessions SET state = 1, end_reason = @r, ended_at = @t WHERE id = @id",
            cancellationToken, ("@r", (long)reason), ("@t", now), ("@id", sessionId)).ConfigureAwait(false);
        if (row.ServerId is { } server)
        {
            await connection.ExecuteAsync(transaction,
                "UPDATE game_servers SET reserved_players = reserved_players - @n, live_sessions = live_sessions - 1 WHERE id = @id AND live_sessions > 0",
                cancellationToken, ("@n", (long)row.MaxPlayers), ("@id", server)).ConfigureAwait(false);
        }

        return true;
    }

    private async Task<string> InsertSessionAsync(DbConnection connection, DbTransaction transaction, SessionOptions options, long? createdBy, long now, CancellationToken cancellationToken,
        long? spawnedBy = null)
    {
        string server = await PlaceAsync(connection, transaction, options.MaxPlayers, now, cancellationToken).ConfigureAwait(false);
        string id = SessionId.New().ToString();
        await connection.ExecuteAsync(transaction,
            """
            INSERT INTO sessions (id, name, max_players, visibility, host_kind, server_id, created_by, spawned_by, player_count, state, end_reason, created_at, ended_at, emptied_at)
            VALUES (@id, @name, @max, @vis, @kind, @server, @by, @spawner, 0, 0, 0, @t, NULL, @t)
            """,
            cancellationToken, ("@id", id), ("@name", options.Name), ("@max", (long)options.MaxPlayers), ("@vis", (long)options.Visibility),
            ("@kind", (long)SessionHostKind.DedicatedServer), ("@server", server), ("@by", createdBy), ("@spawner", spawnedBy), ("@t", now)).ConfigureAwait(false);
        foreach (var (key, value) in options.Properties ?? new Dictionary<string, string>())
        {
            await connection.ExecuteAsync(transaction, "INSERT INTO session_properties (session_id, property_key, property_value) VALUES (@s, @k, @v)",
                cancellationToken, ("@s", id), ("@k", key), ("@v", value)).ConfigureAwait(false);
        }

        _logger.LogInformation("Session {Session} ({Name}, {Max} players) placed on game server {Server}", id, options.Name, options.MaxPlayers, server);
        return id;
    }

    /// <summary>
    /// Reserves the session's capacity on the least-loaded live server it fits on. The reservation is a conditional update,
    /// so two backend nodes placing at once can never overfill a server; a loser tries the next candidate.
    /// </summary>
    private async Task<string> PlaceAsync(DbConnection connection, DbTransaction transaction, int need, long now, CancellationToken cancellationToken)
    {
        const string Fits = "state = 0 AND last_heartbeat >= @fresh AND reserved_players + @need <= max_players AND live_sessions < max_sessions";
        (string, object?)[] parameters = [("@fresh", FreshSinceMs(now)), ("@need", (long)need)];
        var candidates = await connection.QueryAsync(transaction,
            $"SELECT id FROM game_servers WHERE {Fits} ORDER BY reserved_players * 1000 / max_players, live_sessions, registered_at, id LIMIT 8",
            reader => reader.GetString(0), cancellationToken, parameters).ConfigureAwait(false);
        foreach (string candidate in candidates)
        {
            int reserved = await connection.ExecuteAsync(transaction,
                $"UPDATE game_servers SET reserved_players = reserved_players + @need, live_sessions = live_sessions + 1 WHERE id = @id AND {Fits}",
                cancellationToken, [.. parameters, ("@id", candidate)]).ConfigureAwait(false);
            if (reserved == 1)
            {
                return candidate;
            }
        }

        SessionMetrics.PlacementsFailed.Add(1);
        throw new OnlineException(OnlineError.Unavailable, $"No live game server has room for a session of {need} players.", TimeSpan.FromSeconds(1));
    }

    private async Task CheckCreatorQuotaAsync(DbConnection connection, DbTransaction transaction, long creator, CancellationToken cancellationToken)
    {
        long owned = await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM sessions WHERE created_by = @u AND state = 0",
            cancellationToken, ("@u", creator)).ConfigureAwait(false);
        if (owned >= _options.MaxSessionsPerPlayer)
        {
            throw new OnlineException(OnlineError.QuotaExceeded, $"A player may have created at most {_options.MaxSessionsPerPlayer} live sessions.");
        }

        // Ended sessions stay for EndedRetention (an hour) so their members and servers can learn how they ended. A player who
        // creates sessions and ends them in a loop (a player-hosted session ends when its host leaves: two requests) would keep
        // every one, with its members and 16 properties, for that hour: 90,000 sessions an hour from one address at the
        // request budget (SECURITY.md, attack review 21). So its oldest ended ones beyond EndedSessionsKeptPerPlayer are
        // forgotten at once, as the sweep would an hour later.
        var forgotten = await connection.QueryAsync(transaction,
            "SELECT id FROM sessions WHERE created_by = @u AND state = 1 ORDER BY ended_at DESC, id LIMIT 100 OFFSET @keep",
            reader => reader.GetString(0), cancellationToken, ("@u", creator), ("@keep", (long)_options.EndedSessionsKeptPerPlayer)).ConfigureAwait(false);
        if (forgotten.Count > 0)
        {
            await SessionRows.DeleteAsync(connection, transaction, forgotten, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<ServerRow?> ReadServerAsync(DbConnection connection, DbTransaction transaction, string? serverId, CancellationToken cancellationToken) =>
        serverId is null
            ? Task.FromResult<ServerRow?>(null)
            : connection.QuerySingleOrDefaultAsync(transaction, "SELECT state, last_heartbeat, addresses FROM game_servers WHERE id = @id",
                reader => new ServerRow((GameServerState)reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)), cancellationToken, ("@id", serverId));

    private static async Task<string> PlayerNameAsync(DbConnection connection, DbTransaction transaction, long userId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync(transaction, "SELECT username FROM users WHERE id = @u", reader => reader.GetString(0), cancellationToken, ("@u", userId)).ConfigureAwait(false)
        ?? throw OnlineException.NotFound($"No player {userId}.");

    private static void CheckUser(long userId)
    {
        if (userId <= 0)
        {
            throw OnlineException.Invalid("A player id is positive.");
        }
    }

    // Stored as NetAddress writes them: "ip:port" for UDP (what every row held before other transports), "ws://ip:port"…
    private static NetAddress[] ParseAddresses(string addresses) =>
        addresses.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(NetAddress.Parse).ToArray();

    private void Ended(string sessionId, SessionEndReason reason)
    {
        SessionMetrics.SessionsEnded.Add(1, new KeyValuePair<string, object?>(SessionMetrics.ReasonTag, reason.ToString()));
        _logger.LogInformation("Session {Session} ended: {Reason}", sessionId, reason);
    }

    private sealed record SessionLock(SessionState State, int MaxPlayers, long PlayerCount, string? ServerId,
        SessionHostKind HostKind = SessionHostKind.DedicatedServer, string? HostAddresses = null, string? HostKey = null);

    private sealed record ServerRow(GameServerState State, long LastHeartbeat, string Addresses);

    private sealed record MemberRow(long JoinedAt, long? LeftAt);
}
