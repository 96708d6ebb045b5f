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
    public async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        CheckUser(userId);
        var outcome = await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            string name = await PlayerNameAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            string? seat = await LockSeatAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            return await JoinLockedAsync(connection, transaction, id.ToString(), userId, name, seat, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return await FinishJoinAsync(outcome, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default)
    {
        CheckUser(userId);
        ArgumentNullException.ThrowIfNull(createIfNone);
        filter?.Validate();
        createIfNone.Validate();
        var (where, parameters) = SessionFilterSql.Build(filter);
        bool created = false;
        var outcome = await _db.WriteAsync(async (connection, transaction) =>
        {
            created = false;
            long now = NowMs;
            string name = await PlayerNameAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            string? seat = await LockSeatAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);

            // Quick-joins of one mode take turns (after the seat, before any session, the order every writer keeps): under
            // READ COMMITTED two of them would each find no session with room and each create one. In turn, the second sees
            // the session the first created and joins it.
            await _db.LockNameAsync(connection, transaction, QuickJoinLockSpace, QuickJoinKey(createIfNone), cancellationToken).ConfigureAwait(false);
            if (seat is not null)
            {
                // Already seated in a qualifying session: that is the quick-join's answer.
                long matching = await connection.ScalarAsync<long>(transaction,
                    $"SELECT COUNT(*) FROM sessions s JOIN session_members m ON m.session_id = s.id AND m.user_id = @user AND m.left_at IS NULL WHERE {where} AND s.id = @seat",
                    cancellationToken, [.. parameters, ("@user", userId), ("@seat", seat)]).ConfigureAwait(false);
                if (matching > 0)
                {
                    var again = await JoinLockedAsync(connection, transaction, seat, userId, name, seat, now, cancellationToken).ConfigureAwait(false);
                    if (again.Status == SessionJoinStatus.AlreadyMember)
                    {
                        return again;
                    }
                }
            }

            var candidates = await connection.QueryAsync(transaction,
                $"""
                SELECT s.id FROM sessions s JOIN game_servers g ON g.id = s.server_id
                WHERE {where} AND s.player_count < s.max_players AND g.state = 0 AND g.last_heartbeat >= @fresh
                ORDER BY s.created_at, s.id LIMIT 8
                """,
                reader => reader.GetString(0), cancellationToken, [.. parameters, ("@fresh", FreshSinceMs(now))]).ConfigureAwait(false);
            foreach (string candidate in candidates)
            {
                var attempt = await JoinLockedAsync(connection, transaction, candidate, userId, name, seat, now, cancellationToken).ConfigureAwait(false);
                if (attempt.Status is SessionJoinStatus.Joined or SessionJoinStatus.AlreadyMember)
                {
                    return attempt;
                }
            }

            // The player's next quick-join moves its seat on and leaves this session empty (until EmptySessionTimeout) with
            // its capacity reserved: without a bound, one account reserved the whole fleet with filters that match nothing.
            await CheckSpawnQuotaAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            string id = await InsertSessionAsync(connection, transaction, createIfNone, null, now, cancellationToken, spawnedBy: userId).ConfigureAwait(false);
            created = true;
            return await JoinLockedAsync(connection, transaction, id, userId, name, seat, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            SessionMetrics.SessionsCreated.Add(1);
        }

        return await FinishJoinAsync(outcome, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names the quick-join lock among the database's two-key advisory locks.</summary>
    private const int QuickJoinLockSpace = 0x514a4e; // "QJN"

    /// <summary>The quick-join lock of a mode: the same on every node (a stable hash of the name, not the per-process string hash).</summary>
    private static int QuickJoinKey(SessionOptions createIfNone)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(createIfNone.Name.ToUpperInvariant()), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(hash);
    }

    /// <inheritdoc/>
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        LeaveAsync(id, userId, SessionEndReason.Ended, cancellationToken);

    /// <summary>
    /// Frees <paramref name="userId"/>'s seat; when it hosts the session (<see cref="SessionHostKind.Player"/>) the session
    /// ends with <paramref name="hostGone"/>: <see cref="SessionEndReason.Ended"/> when the host left, <see cref="SessionEndReason.ServerLost"/>
    /// when the sweep released a host that stopped reporting (its game died).
    /// </summary>
    private async Task<bool> LeaveAsync(SessionId id, long userId, SessionEndReason hostGone, CancellationToken cancellationToken)
    {
        CheckUser(userId);
        string sessionId = id.ToString();
        bool hostLeft = false;
        bool left = await _db.WriteAsync(async (connection, transaction) =>
        {
            hostLeft = false;
            long now = NowMs;
            string? seat = await LockSeatAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            bool freed = await ReleaseSeatAsync(connection, transaction, sessionId, userId, now, cancellationToken).ConfigureAwait(false);
            if (seat == sessionId)
            {
                await connection.ExecuteAsync(transaction, "UPDATE session_seats SET session_id = NULL WHERE user_id = @u", cancellationToken, ("@u", userId)).ConfigureAwait(false);
            }

            if (freed && await IsPlayerHostAsync(connection, transaction, sessionId, userId, cancellationToken).ConfigureAwait(false))
            {
                // The host's game is the session's server: when the host leaves, the session ends for everyone, as ended by its
                // creator (Ended: the players are told the host left; it read ServerLost before, which players are shown as a
                // crash); when the sweep released a silent host, its game is lost (ServerLost).
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

    private async Task<SessionJoinResult> FinishJoinAsync(JoinOutcome outcome, long userId, CancellationToken cancellationToken)
    {
        var session = outcome.Status == SessionJoinStatus.NotFound
            ? null
            : await _db.ReadAsync(c => SessionRows.LoadOneAsync(c, null, outcome.SessionId, cancellationToken), cancellationToken).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case SessionJoinStatus.Joined:
                SessionMetrics.Joins.Add(1);
                break;
            case SessionJoinStatus.Full:
                SessionMetrics.JoinsRefused.Add(1, new KeyValuePair<string, object?>("reason", "full"));
                break;
            case SessionJoinStatus.Ended:
                SessionMetrics.JoinsRefused.Add(1, new KeyValuePair<string, object?>("reason", "ended"));
                break;
        }

        if (outcome.Status is not (SessionJoinStatus.Joined or SessionJoinStatus.AlreadyMember) || session is null)
        {
            return new SessionJoinResult(outcome.Status, session, null);
        }

        // Sealing the token (a key derivation and an AEAD) happens after the commit, outside any lock.
        SessionId.TryParse(outcome.SessionId, out var id);
        var ticket = new SessionTicket(id, DateTimeOffset.FromUnixTimeMilliseconds(outcome.IssuedAtMs), outcome.MaxPlayers, outcome.PlayerName);
        if (outcome.HostKind == SessionHostKind.Player)
        {
            return new SessionJoinResult(outcome.Status, session, IssueForPlayerHost(userId, ticket, outcome.Addresses, outcome.HostKey));
        }

        return new SessionJoinResult(outcome.Status, session, _tokens.Issue(userId, ticket, ParseAddresses(outcome.Addresses)));
    }

    /// <summary>
    /// The seat and the session are locked (in that order, everywhere), the capacity checked and the seat taken. The
    /// previous seat, if any, is given up in the same transaction.
    /// </summary>
    private async Task<JoinOutcome> JoinLockedAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, string name,
        string? seat, long now, CancellationToken cancellationToken)
    {
        var target = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT state, max_players, player_count, server_id, host_kind, host_addresses, host_key FROM sessions WHERE id = @id" + _db.ForUpdate,
            reader => new SessionLock((SessionState)reader.GetInt64(0), (int)reader.GetInt64(1), reader.GetInt64(2), reader.GetNullableString(3),
                (SessionHostKind)reader.GetInt64(4), reader.GetNullableString(5), reader.GetNullableString(6)),
            cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (target is null)
        {
            return JoinOutcome.Refused(SessionJoinStatus.NotFound, sessionId);
        }

        if (target.State != SessionState.Live)
        {
            return JoinOutcome.Refused(SessionJoinStatus.Ended, sessionId);
        }

        // A player-hosted session has no server row: its host's addresses are its own (empty until the host set them).
        string addresses = target.HostAddresses ?? "";
        if (target.HostKind != SessionHostKind.Player)
        {
            var serverAddresses = await CheckServerAsync(connection, transaction, target, sessionId, now, cancellationToken).ConfigureAwait(false);
            if (serverAddresses is null)
            {
                return JoinOutcome.Refused(SessionJoinStatus.Ended, sessionId);
            }

            addresses = serverAddresses;
        }

        var member = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT left_at FROM session_members WHERE session_id = @s AND user_id = @u",
            reader => new MemberRow(reader.GetNullableInt64(0)), cancellationToken, ("@s", sessionId), ("@u", userId)).ConfigureAwait(false);
        if (member is { LeftAt: null })
        {
            if (seat != sessionId)
            {
                await SetSeatAsync(connection, transaction, userId, sessionId, cancellationToken).ConfigureAwait(false);
            }

            return new JoinOutcome(SessionJoinStatus.AlreadyMember, sessionId, addresses, target.MaxPlayers, name, now) { HostKind = target.HostKind, HostKey = target.HostKey };
        }

        if (target.PlayerCount >= target.MaxPlayers)
        {
            return JoinOutcome.Refused(SessionJoinStatus.Full, sessionId);
        }

        if (seat is not null && seat != sessionId)
        {
            await ReleaseSeatAsync(connection, transaction, seat, userId, now, cancellationToken).ConfigureAwait(false);
        }

        // A rejoin is stamped after the departure it follows, so its ticket is never mistaken for a pre-departure one.
        long joinedAt = member?.LeftAt is { } leftAt ? Math.Max(now, leftAt + 1) : now;
        if (member is null)
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO session_members (session_id, user_id, name, joined_at, left_at, connected_at) VALUES (@s, @u, @n, @t, NULL, NULL)",
                cancellationToken, ("@s", sessionId), ("@u", userId), ("@n", name), ("@t", joinedAt)).ConfigureAwait(false);
        }
        else
        {
            await connection.ExecuteAsync(transaction,
                "UPDATE session_members SET name = @n, joined_at = @t, left_at = NULL, connected_at = NULL WHERE session_id = @s AND user_id = @u",
                cancellationToken, ("@s", sessionId), ("@u", userId), ("@n", name), ("@t", joinedAt)).ConfigureAwait(false);
        }

        await connection.ExecuteAsync(transaction, "UPDATE sessions SET player_count = player_count + 1, emptied_at = NULL WHERE id = @s",
            cancellationToken, ("@s", sessionId)).ConfigureAwait(false);
        await SetSeatAsync(connection, transaction, userId, sessionId, cancellationToken).ConfigureAwait(false);
        return new JoinOutcome(SessionJoinStatus.Joined, sessionId, addresses, target.MaxPlayers, name, joinedAt) { HostKind = target.HostKind, HostKey = target.HostKey };
    }

    /// <summary>The checks of a dedicated server's session: its server's addresses, or null when the server is dead (the session is then ended).</summary>
    private async Task<string?> CheckServerAsync(DbConnection connection, DbTransaction transaction, SessionLock target, string sessionId, long now, CancellationToken cancellationToken)
    {
        var server = await ReadServerAsync(connection, transaction, target.ServerId, cancellationToken).ConfigureAwait(false);
        if (server is { State: GameServerState.Live or GameServerState.Draining } && server.LastHeartbeat < FreshSinceMs(now) && MayDeclareDeaths(now))
        {
            // Its server is silent past the deadline: nobody is ever placed there. Declare it dead now rather than wait for a sweep
            // (unless a heartbeat got in first, in which case it is alive after all).
            if (await DeclareDeadAsync(connection, transaction, target.ServerId!, now, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            server = await ReadServerAsync(connection, transaction, target.ServerId, cancellationToken).ConfigureAwait(false);
        }

        if (server is null || server.State is GameServerState.Dead or GameServerState.Gone)
        {
            await EndLockedAsync(connection, transaction, sessionId, SessionEndReason.ServerLost, now, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return server.Addresses;
    }

    /// <summary>Frees <paramref name="userId"/>'s slot in a live session (locking the session row); false when it held none.</summary>
    private async Task<bool> ReleaseSeatAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, long now, CancellationToken cancellationToken)
    {
        var session = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT state FROM sessions WHERE id = @id" + _db.ForUpdate,
            reader => (SessionState?)reader.GetInt64(0), cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (session != SessionState.Live)
        {
            return false;
        }

        int changed = await connection.ExecuteAsync(transaction,
            "UPDATE session_members SET left_at = @t WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
            cancellationToken, ("@t", now), ("@s", sessionId), ("@u", userId)).ConfigureAwait(false);
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
    }

    /// <summary>
    /// A quick-join may create a session for a player only while fewer than <see cref="SessionDirectoryOptions.MaxSessionsPerPlayer"/>
    /// live sessions its quick-joins created stand empty (each reserves its capacity on the fleet until it ends). A session
    /// someone plays in does not count, so a player who started a match others joined may start the next one.
    /// </summary>
    private async Task CheckSpawnQuotaAsync(DbConnection connection, DbTransaction transaction, long player, CancellationToken cancellationToken)
    {
        long empty = await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM sessions WHERE spawned_by = @u AND state = 0 AND player_count = 0",
            cancellationToken, ("@u", player)).ConfigureAwait(false);
        if (empty >= _options.MaxSessionsPerPlayer)
        {
            throw new OnlineException(OnlineError.QuotaExceeded,
                $"A player's quick-joins may leave at most {_options.MaxSessionsPerPlayer} sessions they created empty; join one of them or wait until they end.");
        }
    }

    /// <summary>Creates the player's seat row if needed and locks it: one player's joins and creations then run one at a time on every node.</summary>
    private async Task<string?> LockSeatAsync(DbConnection connection, DbTransaction transaction, long userId, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction, "INSERT INTO session_seats (user_id, session_id) VALUES (@u, NULL) ON CONFLICT (user_id) DO NOTHING",
            cancellationToken, ("@u", userId)).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync(transaction, "SELECT session_id FROM session_seats WHERE user_id = @u" + _db.ForUpdate,
            reader => reader.GetNullableString(0), cancellationToken, ("@u", userId)).ConfigureAwait(false);
    }

    private static Task SetSeatAsync(DbConnection connection, DbTransaction transaction, long userId, string sessionId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE session_seats SET session_id = @s WHERE user_id = @u", cancellationToken, ("@s", sessionId), ("@u", userId));

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
        SessionMetrics.SessionsEnded.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
        _logger.LogInformation("Session {Session} ended: {Reason}", sessionId, reason);
    }

    private sealed record SessionLock(SessionState State, int MaxPlayers, long PlayerCount, string? ServerId,
        SessionHostKind HostKind = SessionHostKind.DedicatedServer, string? HostAddresses = null, string? HostKey = null);

    private sealed record ServerRow(GameServerState State, long LastHeartbeat, string Addresses);

    private sealed record MemberRow(long? LeftAt);

    private sealed record JoinOutcome(SessionJoinStatus Status, string SessionId, string Addresses, int MaxPlayers, string PlayerName, long IssuedAtMs)
    {
        public SessionHostKind HostKind { get; init; }

        public string? HostKey { get; init; }

        public static JoinOutcome Refused(SessionJoinStatus status, string sessionId) => new(status, sessionId, "", 0, "", 0);
    }
}
