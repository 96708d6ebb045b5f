using System.Data.Common;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>
/// Sessions hosted by a player (<see cref="SessionHostKind.Player"/>, docs/P2P.md "P2P sessions"): no game server is
/// placed; the creating player's game is the server. The directory derives the session's token key and rendezvous id
/// from the game servers' key and the session id (HMAC-SHA256, one-way: the host learns nothing of the master key and
/// nothing of other sessions' keys), gives both to the host, and seals joiners' tokens with that key for the host's
/// public addresses, which the host reports in its heartbeats once the introducer told it what they are.
/// </summary>
public sealed partial class SessionDirectory : IPlayerHostedSessions
{
    private const string KeyLabel = "traktor/p2p-session-key/";
    private const string RendezvousLabel = "traktor/p2p-rendezvous/";
    private const string PunchLabel = "traktor/p2p-punch-key/";

    /// <summary>
    /// Creates a session hosted by <paramref name="hostUserId"/>'s game (<c>createSession</c> with a player host): no game
    /// server has to have room; the host takes the first seat, and gets the session's token key and rendezvous id.
    /// Joiners can join at once but get a token only after the host's first <see cref="HostHeartbeatAsync"/> named its addresses.
    /// </summary>
    /// <param name="options">Name, capacity (the host included), visibility and properties.</param>
    /// <param name="hostUserId">The hosting player (counted against <see cref="SessionDirectoryOptions.MaxSessionsPerPlayer"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session with the host seated, the session's key and its rendezvous id.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.InvalidArgument"/> for bad options;
    /// <see cref="OnlineError.QuotaExceeded"/> when the player already created the most live sessions allowed.</exception>
    public async Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckUser(hostUserId);
        string id = await _db.WriteAsync(async (connection, transaction) =>
        {
            long now = NowMs;
            string name = await PlayerNameAsync(connection, transaction, hostUserId, cancellationToken).ConfigureAwait(false);
            string? seat = await LockSeatAsync(connection, transaction, hostUserId, cancellationToken).ConfigureAwait(false);
            await CheckCreatorQuotaAsync(connection, transaction, hostUserId, cancellationToken).ConfigureAwait(false);
            string sessionId = SessionId.New().ToString();
            await connection.ExecuteAsync(transaction,
                """
                INSERT INTO sessions (id, name, max_players, visibility, host_kind, server_id, created_by, player_count, state, end_reason, created_at, ended_at, emptied_at, host_addresses)
                VALUES (@id, @name, @max, @vis, @kind, NULL, @by, 0, 0, 0, @t, NULL, @t, NULL)
                """,
                cancellationToken, ("@id", sessionId), ("@name", options.Name), ("@max", (long)options.MaxPlayers), ("@vis", (long)options.Visibility),
                ("@kind", (long)SessionHostKind.Player), ("@by", hostUserId), ("@t", now)).ConfigureAwait(false);
            foreach (var (key, value) in options.Properties ?? new Dictionary<string, string>())
            {
                await connection.ExecuteAsync(transaction, "INSERT INTO session_properties (session_id, property_key, property_value) VALUES (@s, @k, @v)",
                    cancellationToken, ("@s", sessionId), ("@k", key), ("@v", value)).ConfigureAwait(false);
            }

            var seated = await JoinLockedAsync(connection, transaction, sessionId, hostUserId, name, seat, now, cancellationToken).ConfigureAwait(false);
            if (seated.Status != SessionJoinStatus.Joined)
            {
                throw new InvalidOperationException($"The host could not take a seat in its new session ({seated.Status}).");
            }

            return sessionId;
        }, cancellationToken).ConfigureAwait(false);
        SessionMetrics.SessionsCreated.Add(1);
        _logger.LogInformation("Session {Session} ({Name}, {Max} players) hosted by player {Host}", id, options.Name, options.MaxPlayers, hostUserId);
        var session = (await _db.ReadAsync(c => SessionRows.LoadOneAsync(c, null, id, cancellationToken), cancellationToken).ConfigureAwait(false))!;
        return new PlayerHostGrant(session, SessionKey(id), RendezvousOf(id)) { PunchKey = PunchKeyOf(id) };
    }

    /// <summary>
    /// The host's heartbeat: sets the public addresses joiners' tokens name (its endpoint as the introducer observed it) and
    /// marks the host and the players connected to it as connected. Call it every few seconds: members the host stops
    /// reporting are released after <see cref="SessionDirectoryOptions.MemberIdleTimeout"/>, as on a dedicated server, and
    /// when the host itself is released (its game died) the session ends with <see cref="SessionEndReason.ServerLost"/>.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="hostUserId">The player asking: only the session's host may.</param>
    /// <param name="addresses">The host's public addresses (1 to 8).</param>
    /// <param name="connectedPlayers">The players connected to the host now (at most <see cref="SessionLimits.MaxPlayers"/>); others are ignored.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the session is live (false: the host should stop) and its recent departures, as a game server's heartbeat answer lists them.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Forbidden"/> when the session is not hosted by <paramref name="hostUserId"/>;
    /// <see cref="OnlineError.InvalidArgument"/> for no address, more than 8, one that is not a unicast address with a port (0.0.0.0,
    /// ::, multicast, 240.0.0.0/4, broadcast, or loopback unless <see cref="SessionDirectoryOptions.AllowLoopbackHostAddresses"/>: joiners'
    /// clients would send there), or too many players.</exception>
    public async Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(connectedPlayers);
        CheckUser(hostUserId);
        if (addresses.Count is < 1 or > 8)
        {
            throw OnlineException.Invalid("A host has 1 to 8 public addresses.");
        }

        foreach (var address in addresses)
        {
            if (address is null || !JoinableAddress.IsUnicast(address.Address, address.Port))
            {
                throw OnlineException.Invalid("A host address is a unicast IP address and a port joiners can reach (not 0.0.0.0, ::, multicast, reserved or broadcast).");
            }

            if (!_options.AllowLoopbackHostAddresses && JoinableAddress.IsLoopback(address.Address))
            {
                throw OnlineException.Invalid("A host address may not be a loopback address: joiners would send to their own machines (the directory allows it only with AllowLoopbackHostAddresses, for development).");
            }
        }

        if (connectedPlayers.Count > SessionLimits.MaxPlayers)
        {
            throw OnlineException.Invalid($"A session holds at most {SessionLimits.MaxPlayers} players.");
        }

        string text = string.Join(',', addresses.Select(a => a.ToString()));
        string sessionId = id.ToString();
        return await _db.WriteAsync(async (connection, transaction) =>
        {
            if (!await IsPlayerHostAsync(connection, transaction, sessionId, hostUserId, cancellationToken).ConfigureAwait(false))
            {
                throw new OnlineException(OnlineError.Forbidden, "Only the player hosting a session may report for it.");
            }

            if (await connection.ExecuteAsync(transaction, "UPDATE sessions SET host_addresses = @a WHERE id = @id AND state = 0",
                cancellationToken, ("@a", text), ("@id", sessionId)).ConfigureAwait(false) != 1)
            {
                return new PlayerHostHeartbeat(false, []);
            }

            long now = NowMs;
            var successors = new List<long>();
            foreach (long player in connectedPlayers.Append(hostUserId).Distinct())
            {
                bool seated = await connection.ExecuteAsync(transaction, "UPDATE session_members SET connected_at = @t WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
                    cancellationToken, ("@t", now), ("@s", sessionId), ("@u", player)).ConfigureAwait(false) == 1;
                if (seated && player != hostUserId) successors.Add(player);
            }

            // The order of succession a takeover follows (ClaimHostAsync): the seated players reported, in the host's order.
            await connection.ExecuteAsync(transaction, "UPDATE sessions SET host_successors = @n WHERE id = @id",
                cancellationToken, ("@n", JoinSuccessors(successors)), ("@id", sessionId)).ConfigureAwait(false);

            // The seats freed meanwhile (left from another device, removed, timed out): the host disconnects whom they concern,
            // as a game server does, rather than hearing of departures only from its connections.
            var departures = await RecentDeparturesAsync(connection, transaction, [sessionId], now, cancellationToken).ConfigureAwait(false);
            return new PlayerHostHeartbeat(true, departures.Select(d => d.Departure).ToArray());
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
        ClaimAsync(id, userId, hostKey, null, cancellationToken);

    /// <inheritdoc/>
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
        ClaimAsync(id, userId, hostKey, expectedHostUserId, cancellationToken);

    private async Task<PlayerHostGrant> ClaimAsync(SessionId id, long userId, byte[] hostKey, long? expectedHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostKey);
        CheckUser(userId);
        if (hostKey.Length != 32)
        {
            throw OnlineException.Invalid("A host key has 32 bytes.");
        }

        string sessionId = id.ToString();
        long? departed = null;
        string refusal = "";
        try
        {
            await _db.WriteAsync(async (connection, transaction) =>
            {
                departed = null;
                refusal = "";
                long now = NowMs;
                var row = await LockLiveHostRowAsync(connection, transaction, sessionId, cancellationToken).ConfigureAwait(false);

                if (row.Kind != SessionHostKind.Player)
                {
                    throw new OnlineException(OnlineError.Forbidden, "Only a player-hosted session changes hosts.");
                }

                if (!await IsSeatedAsync(connection, transaction, sessionId, userId, cancellationToken).ConfigureAwait(false))
                {
                    throw new OnlineException(OnlineError.Forbidden, "Only a player seated in the session may take it over.");
                }

                long host = row.Host;
                var successors = ParseSuccessors(row.Successors);
                if (host != userId && expectedHost is { } expected && expected != host)
                {
                    // The claimant takes over from a host the session no longer has (another successor took it over since the
                    // claimant last looked): it follows the recorded host instead, whatever that host's silence.
                    refusal = "host_changed";
                    throw new OnlineException(OnlineError.Conflict, $"The session is hosted by player {host} now, not by player {expected}: follow it.")
                    {
                        ProblemType = OnlineProblemTypes.HostChanged,
                    };
                }

                if (host != userId)
                {
                    // Only a player the host reported connected may take over, the n-th in its order after n silent claim times:
                    // its MigratingPeers elect the same order, so the elected successor is first, and a member that merely
                    // silences the host's connection for a while takes nothing.
                    int rank = successors.IndexOf(userId);
                    if (rank < 0)
                    {
                        refusal = "not_successor";
                        throw new OnlineException(OnlineError.Forbidden, "Only a player the host reported connected (its successors) may take the session over.");
                    }

                    // The host's last sign of life: its last heartbeat, or its join when it never reported; none when it left.
                    long? lastReport = await connection.QuerySingleOrDefaultAsync(transaction,
                        "SELECT COALESCE(connected_at, joined_at) FROM session_members WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
                        reader => (long?)reader.GetInt64(0), cancellationToken, ("@s", sessionId), ("@u", host)).ConfigureAwait(false);
                    // A host that has not published its address since the directory recorded it (a takeover's new host, still
                    // starting its server and reaching the introducer) is given HostPublishGrace on top of each turn: its
                    // followers cannot reach it yet, which says nothing of whether it is alive.
                    long grace = row.Published ? 0 : (long)_options.HostPublishGrace.TotalMilliseconds;
                    long silentSince = now - (rank + 1) * (long)_options.HostClaimAfter.TotalMilliseconds - grace;
                    if (lastReport is { } report && report >= silentSince)
                    {
                        refusal = "host_reports";
                        throw new OnlineException(OnlineError.Conflict, "The session's host still reports; a member may take over only once it is silent.",
                            TimeSpan.FromMilliseconds(Math.Max(100, report - silentSince + 1)));
                    }

                    if (lastReport is { } last)
                    {
                        refusal = "ahead_migrating";
                        await RequireNoSuccessorAheadMigratingAsync(connection, transaction, sessionId, successors, rank, last, now, cancellationToken).ConfigureAwait(false);
                        refusal = "no_quorum";
                        await RequireHostLossQuorumAsync(connection, transaction, sessionId, successors, rank, last, grace, now, cancellationToken).ConfigureAwait(false);
                        refusal = "";
                    }

                    if (lastReport is not null && await ReleaseSeatAsync(connection, transaction, sessionId, host, SessionLeaveReason.TimedOut, now, cancellationToken).ConfigureAwait(false))
                    {
                        departed = host;
                    }
                }

                // The takeover is the new host's first sign of life: otherwise its last one would be the old host's last
                // heartbeat (seconds ago), and the next in line would take the session over from it at once.
                await connection.ExecuteAsync(transaction, "UPDATE session_members SET connected_at = @t WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
                    cancellationToken, ("@t", now), ("@s", sessionId), ("@u", userId)).ConfigureAwait(false);

                // The new host's addresses are unknown until it reports: joins wait (Unavailable) rather than get tokens for the dead host.
                await connection.ExecuteAsync(transaction,
                    "UPDATE sessions SET created_by = @u, host_key = @k, host_addresses = CASE WHEN created_by = @u THEN host_addresses ELSE NULL END, host_successors = @n WHERE id = @id",
                    cancellationToken, ("@u", userId), ("@k", Convert.ToBase64String(hostKey)), ("@n", JoinSuccessors(successors.Where(s => s != userId))),
                    ("@id", sessionId)).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OnlineException) when (refusal.Length > 0)
        {
            SessionMetrics.HostClaimsRefused.Add(1, new KeyValuePair<string, object?>(SessionMetrics.ReasonTag, refusal));
            throw;
        }

        _logger.LogInformation("Session {Session} is hosted by player {Host} now (the departed host {Departed} released)", sessionId, userId, departed);
        var session = (await _db.ReadAsync(c => SessionRows.LoadOneAsync(c, null, sessionId, cancellationToken), cancellationToken).ConfigureAwait(false))!;
        return new PlayerHostGrant(session, hostKey.ToArray(), RendezvousOf(sessionId)) { PunchKey = PunchKeyOf(sessionId) };
    }

    private static string JoinSuccessors(IEnumerable<long> successors) =>
        string.Join(',', successors.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The stored order of succession (comma-separated user ids; empty when the host reported nobody).</summary>
    private static List<long> ParseSuccessors(string text)
    {
        var result = new List<long>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (long.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long id)) result.Add(id);
        }

        return result;
    }

    /// <summary>
    /// A live session's host row, locked for the transaction: who hosts it, how, its order of succession, and whether the host
    /// published its address (heartbeated) since the directory recorded it.
    /// </summary>
    private readonly record struct LiveHostRow(SessionHostKind Kind, long Host, string Successors, bool Published);

    // Claims and releases both start here: the row is locked so a claim and a release of one session are serialised.
    private async Task<LiveHostRow> LockLiveHostRowAsync(DbConnection connection, DbTransaction transaction, string sessionId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync(transaction,
            "SELECT state, host_kind, created_by, host_successors, host_addresses FROM sessions WHERE id = @id" + _db.ForUpdate,
            reader => (State: (SessionState)reader.GetInt64(0), Kind: (SessionHostKind)reader.GetInt64(1), Host: reader.GetNullableInt64(2),
                Successors: reader.IsDBNull(3) ? "" : reader.GetString(3), Published: !reader.IsDBNull(4)),
            cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (row.State != SessionState.Live || row.Host is not { } host)
        {
            throw OnlineException.NotFound($"No live session {sessionId}.");
        }

        return new LiveHostRow(row.Kind, host, row.Successors, row.Published);
    }

    private static async Task<bool> IsSeatedAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, CancellationToken cancellationToken) =>
        await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM session_members WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
            cancellationToken, ("@s", sessionId), ("@u", userId)).ConfigureAwait(false) > 0;

    private async Task<bool> IsPlayerHostAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, CancellationToken cancellationToken) =>
        await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM sessions WHERE id = @id AND host_kind = @kind AND created_by = @u",
            cancellationToken, ("@id", sessionId), ("@kind", (long)SessionHostKind.Player), ("@u", userId)).ConfigureAwait(false) > 0;

    private SessionConnectInfo IssueForPlayerHost(long userId, in SessionTicket ticket, string addresses, string? hostKey)
    {
        if (addresses.Length == 0)
        {
            throw new OnlineException(OnlineError.Unavailable, "The session's host has not published its address yet.", TimeSpan.FromSeconds(1));
        }

        string id = ticket.SessionId.ToString();
        // A host that took over after a migration opens tokens with its own key; the first host with the derived one.
        byte[] key = hostKey is null ? SessionKey(id) : Convert.FromBase64String(hostKey);
        var issuer = new SessionTokenIssuer(_options.Tokens with { ServerKey = key }, _time);
        return issuer.Issue(userId, ticket, ParseAddresses(addresses)) with { Rendezvous = RendezvousOf(id), PunchKey = PunchKeyOf(id) };
    }

    private byte[] SessionKey(string sessionId) => HMACSHA256.HashData(_options.Tokens.ServerKey, Encoding.UTF8.GetBytes(KeyLabel + sessionId));

    private byte[] PunchKeyOf(string sessionId) => HMACSHA256.HashData(_options.Tokens.ServerKey, Encoding.UTF8.GetBytes(PunchLabel + sessionId));

    private Guid RendezvousOf(string sessionId) => new(HMACSHA256.HashData(_options.Tokens.ServerKey, Encoding.UTF8.GetBytes(RendezvousLabel + sessionId)).AsSpan(0, 16));
}
