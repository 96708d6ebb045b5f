using System.Data.Common;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>The fleet half of the directory: registration, heartbeats (which carry the assignments), deaths and the sweep.</summary>
public sealed partial class SessionDirectory
{
    private const int MaxServerNameLength = 64;

    /// <inheritdoc/>
    public async Task<GameServerLease> RegisterServerAsync(GameServerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        string addresses = CheckRegistration(registration);
        string id = Guid.NewGuid().ToString("N");
        await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            // Every server row counts until the sweep deletes it (dead and gone ones after EndedRetention): registering and
            // deregistering in a loop must not grow the table either. The count and the insert hold the fleet's lock: at
            // PostgreSQL's READ COMMITTED, nodes registering at once each counted the rows committed before them and the
            // table overshot the bound by as many as raced (SQLite's BEGIN IMMEDIATE already lets one writer in).
            await _db.LockNameAsync(connection, transaction, FleetLockSpace, 0, cancellationToken).ConfigureAwait(false);
            long held = await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM game_servers", cancellationToken).ConfigureAwait(false);
            if (held >= _options.MaxGameServers)
            {
                throw new OnlineException(OnlineError.QuotaExceeded, string.Create(CultureInfo.InvariantCulture,
                    $"The fleet holds {_options.MaxGameServers} game servers, ended ones included until they are deleted; deregister servers or wait."));
            }

            return await connection.ExecuteAsync(transaction,
                """
                INSERT INTO game_servers (id, name, addresses, state, max_players, max_sessions, reserved_players, live_sessions, connected_players, tick_us,
                    registered_at, last_heartbeat, state_changed_at)
                VALUES (@id, @name, @addresses, 0, @players, @sessions, 0, 0, 0, 0, @t, @t, @t)
                """,
                cancellationToken, ("@id", id), ("@name", registration.Name), ("@addresses", addresses), ("@players", (long)registration.MaxPlayers),
                ("@sessions", (long)registration.MaxSessions), ("@t", now)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Game server {Server} ({Name}) registered at {Addresses}: {Players} players, {Sessions} sessions",
            id, registration.Name, addresses, registration.MaxPlayers, registration.MaxSessions);
        return new GameServerLease(id, _options.HeartbeatInterval, _options.DeadAfter);
    }

    /// <summary>Names the registration lock among the database's two-key advisory locks.</summary>
    private const int FleetLockSpace = 0x464c54; // "FLT"

    /// <inheritdoc/>
    public async Task<FleetAssignments> HeartbeatAsync(string serverId, GameServerHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(serverId, "Server id");
        CheckHeartbeat(heartbeat);
        var state = await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            var current = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT state FROM game_servers WHERE id = @id" + _db.ForUpdate,
                reader => (GameServerState?)reader.GetInt64(0), cancellationToken, ("@id", serverId)).ConfigureAwait(false)
                ?? throw OnlineException.NotFound($"No game server {serverId}.");
            if (current is GameServerState.Dead or GameServerState.Gone)
            {
                return current;
            }

            var next = heartbeat.Draining ? GameServerState.Draining : GameServerState.Live;
            long connected = heartbeat.Sessions.Sum(s => (long)s.Connected.Count);
            await connection.ExecuteAsync(transaction,
                """
                UPDATE game_servers SET state = @state, last_heartbeat = @t, connected_players = @connected, tick_us = @tick,
                    state_changed_at = CASE WHEN state = @state THEN state_changed_at ELSE @t END
                WHERE id = @id
                """,
                cancellationToken, ("@state", (long)next), ("@t", now), ("@connected", connected),
                ("@tick", (long)Math.Round(heartbeat.TickMilliseconds * 1000)), ("@id", serverId)).ConfigureAwait(false);
            foreach (var report in heartbeat.Sessions.Where(s => s.Connected.Count > 0))
            {
                var (inList, users) = SessionRows.InList("@u", report.Connected);
                await connection.ExecuteAsync(transaction,
                    $"""
                    UPDATE session_members SET connected_at = @t
                    WHERE session_id = @s AND left_at IS NULL AND user_id IN ({inList})
                      AND session_id IN (SELECT id FROM sessions WHERE server_id = @server)
                    """,
                    cancellationToken, [.. users, ("@t", now), ("@s", report.SessionId.ToString()), ("@server", serverId)]).ConfigureAwait(false);
            }

            return next;
        }, cancellationToken).ConfigureAwait(false);
        if (state is GameServerState.Dead or GameServerState.Gone)
        {
            return new FleetAssignments(state, []);
        }

        var sessions = await ReadAssignmentsAsync(serverId, cancellationToken).ConfigureAwait(false);
        return new FleetAssignments(state, sessions);
    }

    /// <inheritdoc/>
    public async Task<bool> DeregisterServerAsync(string serverId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckId(serverId, "Server id");
        var ended = await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            int changed = await connection.ExecuteAsync(transaction,
                "UPDATE game_servers SET state = 3, state_changed_at = @t, reserved_players = 0, live_sessions = 0 WHERE id = @id AND state IN (0, 1)",
                cancellationToken, ("@t", now), ("@id", serverId)).ConfigureAwait(false);
            return changed == 0 ? null : await EndServerSessionsAsync(connection, transaction, serverId, SessionEndReason.ServerShutdown, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (ended is null)
        {
            return false;
        }

        _logger.LogInformation("Game server {Server} deregistered; {Count} live sessions ended", serverId, ended.Count);
        ended.ForEach(id => Ended(id, SessionEndReason.ServerShutdown));
        return true;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<GameServerStatus>> ListServersAsync(CancellationToken cancellationToken = default) =>
        _db.ReadAsync<IReadOnlyList<GameServerStatus>>(async connection => await connection.QueryAsync(null,
            """
            SELECT id, name, addresses, state, max_players, reserved_players, live_sessions, connected_players, tick_us, last_heartbeat
            FROM game_servers WHERE state IN (0, 1) OR state_changed_at >= @since ORDER BY registered_at, id
            """,
            reader => new GameServerStatus(reader.GetString(0), reader.GetString(1), reader.GetString(2).Split(','), (GameServerState)reader.GetInt64(3),
                (int)reader.GetInt64(4), (int)reader.GetInt64(5), (int)reader.GetInt64(6), (int)reader.GetInt64(7), reader.GetInt64(8) / 1000.0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))),
            cancellationToken, ("@since", NowMs - (long)TimeSpan.FromHours(1).TotalMilliseconds)).ConfigureAwait(false), cancellationToken);

    /// <summary>
    /// Enforces the fleet's timeouts; every backend node runs it a few times per heartbeat interval (conditional updates make
    /// concurrent sweeps harmless): servers silent past <see cref="SessionDirectoryOptions.DeadAfter"/> are declared dead (by a
    /// node that has itself run that long, so a restart of every node never kills the fleet) and
    /// their sessions end with <see cref="SessionEndReason.ServerLost"/>; seats never used within the token lifetime, or
    /// not reported connected for <see cref="SessionDirectoryOptions.MemberIdleTimeout"/>, are released; sessions empty for
    /// <see cref="SessionDirectoryOptions.EmptySessionTimeout"/> end; ended sessions and dead servers past their retention are deleted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>What it did.</returns>
    public async Task<SessionSweepReport> SweepAsync(CancellationToken cancellationToken = default)
    {
        long now = NowMs;
        var silent = !MayDeclareDeaths(now) ? new List<string>() : await _db.ReadAsync(c => c.QueryAsync(null, "SELECT id FROM game_servers WHERE state IN (0, 1) AND last_heartbeat < @fresh",
            reader => reader.GetString(0), cancellationToken, ("@fresh", FreshSinceMs(now))), cancellationToken).ConfigureAwait(false);
        int dead = 0;
        foreach (string server in silent)
        {
            bool declared = await _db.WriteAsync((connection, transaction) => DeclareDeadAsync(connection, transaction, server, NowMs, cancellationToken), cancellationToken).ConfigureAwait(false);
            dead += declared ? 1 : 0;
        }

        long joinDeadline = now - (long)(_options.Tokens.TokenLifetime + _options.HeartbeatInterval * 2).TotalMilliseconds;
        long idleDeadline = now - (long)_options.MemberIdleTimeout.TotalMilliseconds;
        var idle = await _db.ReadAsync(c => c.QueryAsync(null,
            """
            SELECT m.session_id, m.user_id FROM session_members m JOIN sessions s ON s.id = m.session_id
            WHERE s.state = 0 AND m.left_at IS NULL AND m.joined_at < @joined AND (m.connected_at IS NULL OR m.connected_at < @idle)
            ORDER BY m.joined_at LIMIT 100
            """,
            reader => (Session: reader.GetString(0), User: reader.GetInt64(1)), cancellationToken, ("@joined", joinDeadline), ("@idle", idleDeadline)), cancellationToken).ConfigureAwait(false);
        int released = 0;
        foreach (var (session, user) in idle)
        {
            SessionId.TryParse(session, out var id);
            released += await LeaveAsync(id, user, SessionLeaveReason.TimedOut, SessionEndReason.ServerLost, null, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        var empty = await _db.ReadAsync(c => c.QueryAsync(null,
            "SELECT id FROM sessions WHERE state = 0 AND player_count = 0 AND emptied_at < @deadline ORDER BY emptied_at LIMIT 100",
            reader => reader.GetString(0), cancellationToken, ("@deadline", now - (long)_options.EmptySessionTimeout.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
        int emptied = 0;
        foreach (string session in empty)
        {
            bool ended = await _db.WriteAsync(async (connection, transaction) =>
            {
                // Checked again under the lock: someone may have joined since the read.
                long players = await connection.ScalarAsync<long>(transaction, "SELECT player_count FROM sessions WHERE id = @id" + _db.ForUpdate, cancellationToken, ("@id", session)).ConfigureAwait(false);
                return players == 0 && await EndLockedAsync(connection, transaction, session, SessionEndReason.Empty, NowMs, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (ended)
            {
                emptied++;
                Ended(session, SessionEndReason.Empty);
            }
        }

        int pruned = await PruneAsync(now, cancellationToken).ConfigureAwait(false);
        return new SessionSweepReport(dead, released, emptied, pruned);
    }

    /// <summary>Declares a silent server dead and ends its live sessions; false when it heartbeated meanwhile or was already dead or gone.</summary>
    private async Task<bool> DeclareDeadAsync(DbConnection connection, DbTransaction transaction, string serverId, long now, CancellationToken cancellationToken)
    {
        int changed = await connection.ExecuteAsync(transaction,
            "UPDATE game_servers SET state = 2, state_changed_at = @t, reserved_players = 0, live_sessions = 0 WHERE id = @id AND state IN (0, 1) AND last_heartbeat < @fresh",
            cancellationToken, ("@t", now), ("@id", serverId), ("@fresh", FreshSinceMs(now))).ConfigureAwait(false);
        if (changed == 0)
        {
            return false;
        }

        var ended = await EndServerSessionsAsync(connection, transaction, serverId, SessionEndReason.ServerLost, now, cancellationToken).ConfigureAwait(false);
        SessionMetrics.ServersDeclaredDead.Add(1);
        _logger.LogWarning("Game server {Server} missed its heartbeats for {DeadAfter}: declared dead, {Count} sessions ended", serverId, _options.DeadAfter, ended.Count);
        ended.ForEach(id => Ended(id, SessionEndReason.ServerLost));
        return true;
    }

    private static async Task<List<string>> EndServerSessionsAsync(DbConnection connection, DbTransaction transaction, string serverId, SessionEndReason reason, long now, CancellationToken cancellationToken)
    {
        var live = await connection.QueryAsync(transaction, "SELECT id FROM sessions WHERE server_id = @id AND state = 0",
            reader => reader.GetString(0), cancellationToken, ("@id", serverId)).ConfigureAwait(false);
        await connection.ExecuteAsync(transaction, "UPDATE sessions SET state = 1, end_reason = @r, ended_at = @t WHERE server_id = @id AND state = 0",
            cancellationToken, ("@r", (long)reason), ("@t", now), ("@id", serverId)).ConfigureAwait(false);
        return live;
    }

    private async Task<List<SessionAssignment>> ReadAssignmentsAsync(string serverId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(async connection =>
        {
            long now = NowMs;
            var ids = await connection.QueryAsync(null,
                "SELECT id FROM sessions WHERE server_id = @id AND (state = 0 OR ended_at >= @notice) ORDER BY created_at, id",
                reader => reader.GetString(0), cancellationToken, ("@id", serverId), ("@notice", now - (long)_options.EndedNotice.TotalMilliseconds)).ConfigureAwait(false);
            var sessions = await SessionRows.LoadAsync(connection, null, ids, cancellationToken).ConfigureAwait(false);
            var departures = await RecentDeparturesAsync(connection, null, ids, now, cancellationToken).ConfigureAwait(false);
            return sessions.Select(s => new SessionAssignment(s, departures.Where(d => d.Session == s.Id.ToString()).Select(d => d.Departure).ToArray())).ToList();
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The recent departures of <paramref name="ids"/>' sessions, with when and why: those of the last two token lifetimes
    /// (a rejoin clears its row's departure). A game server's heartbeat answer and a player host's both carry them.
    /// </summary>
    private async Task<List<(string Session, SessionDeparture Departure)>> RecentDeparturesAsync(DbConnection connection, DbTransaction? transaction,
        IReadOnlyList<string> ids, long now, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var (inList, parameters) = SessionRows.InList("@i", ids);
        return await connection.QueryAsync(transaction,
            $"SELECT session_id, user_id, left_at, left_why FROM session_members WHERE session_id IN ({inList}) AND left_at >= @since",
            reader => (reader.GetString(0), new SessionDeparture(reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), LeaveReason(reader.GetInt64(3)))),
            cancellationToken, [.. parameters, ("@since", now - (long)(_options.Tokens.TokenLifetime * 2).TotalMilliseconds)]).ConfigureAwait(false);
    }

    // A row from before reasons were recorded (0), or a number this build does not know, reads as a removal: Kicked, as before.
    private static SessionLeaveReason LeaveReason(long stored) =>
        Enum.IsDefined((SessionLeaveReason)stored) ? (SessionLeaveReason)stored : SessionLeaveReason.Removed;

    private async Task<int> PruneAsync(long now, CancellationToken cancellationToken)
    {
        long horizon = now - (long)_options.EndedRetention.TotalMilliseconds;
        return await _db.WriteAsync(async (connection, transaction) =>
        {
            var old = await connection.QueryAsync(transaction, "SELECT id FROM sessions WHERE state = 1 AND ended_at < @h ORDER BY ended_at LIMIT 200",
                reader => reader.GetString(0), cancellationToken, ("@h", horizon)).ConfigureAwait(false);
            int deleted = 0;
            if (old.Count > 0)
            {
                deleted += await SessionRows.DeleteAsync(connection, transaction, old, cancellationToken).ConfigureAwait(false);
            }

            deleted += await connection.ExecuteAsync(transaction,
                "DELETE FROM game_servers WHERE state IN (2, 3) AND state_changed_at < @h AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.server_id = game_servers.id)",
                cancellationToken, ("@h", horizon)).ConfigureAwait(false);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    private string CheckRegistration(GameServerRegistration registration)
    {
        if (registration.Addresses is not { Count: >= 1 and <= 8 })
        {
            throw OnlineException.Invalid("A game server announces 1 to 8 addresses.");
        }

        var addresses = new List<string>();
        foreach (string text in registration.Addresses)
        {
            if (text is null || text.Length > 64 || !NetAddress.TryParse(text, out var address) || !JoinableAddress.IsUnicast(address.ToEndPoint().Address, address.Port))
            {
                throw OnlineException.Invalid("A game-server address is a unicast IP address and a port players can reach, UDP unless it names "
                    + "its transport (\"203.0.113.7:27960\", \"[2001:db8::7]:27960\", \"ws://203.0.113.7:443\", \"tcp://203.0.113.7:27960\").");
            }

            if (addresses.Contains(address.ToString()))
            {
                throw OnlineException.Invalid($"The game-server address {address} is announced twice.");
            }

            addresses.Add(address.ToString());
        }

        if (registration.MaxPlayers is < 1 or > 65535)
        {
            throw OnlineException.Invalid("A game server accepts 1 to 65,535 players.");
        }

        if (registration.MaxSessions < 1 || registration.MaxSessions > _options.MaxSessionsPerServer)
        {
            throw OnlineException.Invalid(string.Create(CultureInfo.InvariantCulture, $"A game server hosts 1 to {_options.MaxSessionsPerServer} sessions."));
        }

        if (registration.Name is null || registration.Name.Length > MaxServerNameLength || registration.Name.Any(char.IsControl))
        {
            throw OnlineException.Invalid($"A game-server name is at most {MaxServerNameLength} characters, without control characters.");
        }

        return string.Join(',', addresses);
    }

    private void CheckHeartbeat(GameServerHeartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        if (heartbeat.Sessions is null || heartbeat.Sessions.Count > _options.MaxSessionsPerServer)
        {
            throw OnlineException.Invalid(string.Create(CultureInfo.InvariantCulture, $"A heartbeat reports at most {_options.MaxSessionsPerServer} sessions."));
        }

        if (!double.IsFinite(heartbeat.TickMilliseconds) || heartbeat.TickMilliseconds is < 0 or > 60_000)
        {
            throw OnlineException.Invalid("A tick time is 0 to 60,000 ms.");
        }

        foreach (var report in heartbeat.Sessions)
        {
            if (report?.Connected is null || report.Connected.Count > SessionLimits.MaxPlayers)
            {
                throw OnlineException.Invalid($"A session reports at most {SessionLimits.MaxPlayers} connected players.");
            }
        }
    }
}
