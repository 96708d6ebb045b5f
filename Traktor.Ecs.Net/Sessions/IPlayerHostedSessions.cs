using System.Net;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Sessions hosted by a player's game (<see cref="SessionHostKind.Player"/>, docs/P2P.md "P2P sessions in the directory"):
/// the directory places nothing on the fleet; the hosting player's <see cref="NetworkHost"/> is the session's server,
/// reached through NAT traversal. Joining such a session is an ordinary <see cref="ISessions.JoinSessionAsync(SessionId, long, CancellationToken)"/>: its
/// <see cref="SessionConnectInfo"/> names the host and carries the rendezvous id. Implemented by the directory
/// (<c>SessionDirectory</c>) and by <see cref="Online.HttpSessions"/> over the backend; failures are
/// <see cref="Online.OnlineException"/>s with the same codes everywhere.
/// </summary>
public interface IPlayerHostedSessions
{
    /// <summary>
    /// Creates a session hosted by <paramref name="hostUserId"/>'s game: the host takes the first seat and gets the key
    /// its server opens joiners' tokens with and the rendezvous id it registers with the introducer.
    /// </summary>
    /// <param name="options">Name, capacity (the host included), visibility and properties.</param>
    /// <param name="hostUserId">The hosting player (over HTTP a player may only name itself).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session with the host seated, its key and its rendezvous id.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.InvalidArgument"/> for bad options;
    /// <see cref="Online.OnlineError.QuotaExceeded"/> when the player already created the most live sessions allowed.</exception>
    Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The host's heartbeat (every directory heartbeat interval, 1 s by default): publishes the public addresses joiners'
    /// tokens name and marks the host and the players connected to it as connected.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="hostUserId">The player reporting: only the session's current host may.</param>
    /// <param name="addresses">The host's public addresses (1 to 8), as the introducer observed them.</param>
    /// <param name="connectedPlayers">
    /// The players connected to the host now (at most <see cref="SessionLimits.MaxPlayers"/>), in its order of succession
    /// (its <see cref="MigratingPeer"/>'s: join order): only they may take the session over (<see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>).
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// Whether the session is still live (false: the host should stop), and the players whose seats were freed recently
    /// (left, from any device; removed; timed out), with when and why, as a game server's heartbeat answer lists them: the
    /// host passes them to its <see cref="SessionRelay.Leave"/>, which disconnects a player still connected.
    /// </returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.Forbidden"/> when <paramref name="hostUserId"/> does not host it;
    /// <see cref="Online.OnlineError.InvalidArgument"/> for no address, more than 8, or too many players.</exception>
    Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// After a host migration (<see cref="MigratingPeer"/>): the elected successor takes the session over. Allowed only to a
    /// seated player the host's last heartbeat named among its connected players, the n-th of them once the host has been
    /// silent (no heartbeat) for n times the directory's host-claim time (2 s): the elected successor first, the next if
    /// it died too, and never a member that merely silenced the host for a while. The departed host's seat is released, joiners' tokens are sealed from now on with <paramref name="hostKey"/>
    /// (the successor's server key) and name the addresses of its next <see cref="HostHeartbeatAsync"/>.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The member taking over (over HTTP a player may only name itself).</param>
    /// <param name="hostKey">The 32-byte key the successor's server opens connect tokens with.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session under its new host, with <paramref name="hostKey"/> and the session's rendezvous id.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.Conflict"/> (with a retry delay) while the host still
    /// reports (or until this successor's turn); <see cref="Online.OnlineError.Forbidden"/> when <paramref name="userId"/> holds no seat, the
    /// host did not name it among its connected players, or the session is not player-hosted;
    /// <see cref="Online.OnlineError.NotFound"/> when the session is not live.</exception>
    Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/> naming the host this claim takes over from:
    /// the directory refuses it (<see cref="Online.OnlineError.Conflict"/>, problem type
    /// <see cref="Online.OnlineProblemTypes.HostChanged"/>, HTTP 409) when the session has another host by now (a successor
    /// took it over since the claimant looked), whatever that host's silence: the claimant follows the recorded host
    /// instead. A claim that names no host (an older client) is judged against whoever hosts the session now. Either way a
    /// host that has not published its address since it took over is given the directory's publish grace on top of its
    /// successors' turns (docs/P2P.md).
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The member taking over (over HTTP a player may only name itself).</param>
    /// <param name="hostKey">The 32-byte key the successor's server opens connect tokens with.</param>
    /// <param name="expectedHostUserId">The host the claimant saw in the directory and takes over from (the lost host, or a
    /// new host it could not reach); the claimant's own id when it learns whether it was granted the session already.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session under its new host, with <paramref name="hostKey"/> and the session's rendezvous id.</returns>
    /// <exception cref="Online.OnlineException">As <see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>, and
    /// <see cref="Online.OnlineError.Conflict"/> with <see cref="Online.OnlineProblemTypes.HostChanged"/> when the session is
    /// hosted by neither <paramref name="expectedHostUserId"/> nor <paramref name="userId"/>.</exception>
    Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A member's game lost the session's host (its <see cref="MigratingPeer"/> elected another player): the directory lets a
    /// successor take over (<see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>) before the host has been silent for every successor's turn only
    /// once half the successors behind it (rounded up) reported this since the host's last heartbeat. Call it from
    /// <see cref="MigratingPeer.HostChanged"/> when the new host is another player.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The member reporting (over HTTP a player may only name itself).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once the report is stored.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.NotFound"/> when the session is not live;
    /// <see cref="Online.OnlineError.Forbidden"/> when it is not player-hosted, or <paramref name="userId"/> holds no seat in it or hosts it.</exception>
    Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The session's host gives it back without ending it: a successor the directory gave the session
    /// (<see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>) that quits before it hosts, or cannot host it. Its seat is released and the next
    /// successor the host was given may take the session over at once (no silence to wait out, no reports needed); the
    /// session ends (<see cref="SessionEndReason.ServerLost"/>) when no successor holds a seat. A host that leaves
    /// (<see cref="ISessions.LeaveSessionAsync(SessionId, long, CancellationToken)"/>) ends the session instead.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The session's host (over HTTP a player may only name itself).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the host's seat was released now; false when it was already.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.NotFound"/> when the session is not live;
    /// <see cref="Online.OnlineError.Forbidden"/> when it is not player-hosted or <paramref name="userId"/> does not host it.</exception>
    /// <remarks>
    /// Every directory implements it (no default): the migration relies on it when a successor's takeover fails or its game
    /// quits before hosting (docs/P2P.md), and a directory that could not give a host back would leave the next successor
    /// waiting out a silence that never ends in a report.
    /// </remarks>
    Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default);
}
