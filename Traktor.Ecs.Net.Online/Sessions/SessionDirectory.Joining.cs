using System.Data.Common;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

// Joining: a player's seat is locked first, then the session row, so the capacity check and the seat take are one
// atomic step on every node; quick-join finds or creates a session under a per-mode lock.
public sealed partial class SessionDirectory
{
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

    /// <summary>Joins as <see cref="JoinSessionAsync(SessionId, long, CancellationToken)"/> does: the player is named after its account, and <paramref name="playerName"/> is ignored.</summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="playerName">Ignored (the account's name is used).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status and, on success, the session and the connect info.</returns>
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
        JoinSessionAsync(id, userId, cancellationToken);

    /// <summary>Quick-joins as <see cref="QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/> does: the player is named after its account, and <paramref name="playerName"/> is ignored.</summary>
    /// <param name="userId">The player.</param>
    /// <param name="playerName">Ignored (the account's name is used).</param>
    /// <param name="filter">Which sessions qualify; null accepts any.</param>
    /// <param name="createIfNone">The session to create when none qualifies.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The join.</returns>
    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

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
                SessionMetrics.JoinsRefused.Add(1, new KeyValuePair<string, object?>(SessionMetrics.ReasonTag, "full"));
                break;
            case SessionJoinStatus.Ended:
                SessionMetrics.JoinsRefused.Add(1, new KeyValuePair<string, object?>(SessionMetrics.ReasonTag, "ended"));
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

        var member = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT joined_at, left_at FROM session_members WHERE session_id = @s AND user_id = @u",
            reader => new MemberRow(reader.GetInt64(0), reader.GetNullableInt64(1)), cancellationToken, ("@s", sessionId), ("@u", userId)).ConfigureAwait(false);
        if (member is { LeftAt: null })
        {
            if (seat != sessionId)
            {
                await SetSeatAsync(connection, transaction, userId, sessionId, cancellationToken).ConfigureAwait(false);
            }

            // Stamped when the seat was granted, not at this node's now: a node whose clock lags the one that recorded the
            // player's last departure stamped the ticket before it, and the game server refused it. Every ticket of one
            // seat then falls between its departures, whichever nodes' clocks issued them.
            return new JoinOutcome(SessionJoinStatus.AlreadyMember, sessionId, addresses, target.MaxPlayers, name, member.JoinedAt) { HostKind = target.HostKind, HostKey = target.HostKey };
        }

        if (target.PlayerCount >= target.MaxPlayers)
        {
            return JoinOutcome.Refused(SessionJoinStatus.Full, sessionId);
        }

        if (seat is not null && seat != sessionId)
        {
            await ReleaseSeatAsync(connection, transaction, seat, userId, SessionLeaveReason.Left, now, cancellationToken).ConfigureAwait(false); // it moved: its own choice
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
            // The seat is held again: no departure, so no reason for one (left_why goes with left_at).
            await connection.ExecuteAsync(transaction,
                "UPDATE session_members SET name = @n, joined_at = @t, left_at = NULL, left_why = 0, connected_at = NULL WHERE session_id = @s AND user_id = @u",
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

    private sealed record JoinOutcome(SessionJoinStatus Status, string SessionId, string Addresses, int MaxPlayers, string PlayerName, long IssuedAtMs)
    {
        public SessionHostKind HostKind { get; init; }

        public string? HostKey { get; init; }

        public static JoinOutcome Refused(SessionJoinStatus status, string sessionId) => new(status, sessionId, "", 0, "", 0);
    }
}
