namespace Traktor.Ecs.Net;

/// <summary>
/// Why a <see cref="MigratingPeer"/> raised <see cref="MigratingPeer.HostChanged"/> (<see cref="MigratingPeer.LastHostChange"/>):
/// what its game tells the session directory then. Only a host the peer lost is news to the directory; a host the game
/// followed is the one the directory records, alive, and reporting it lost would count toward its successor's early takeover.
/// </summary>
public enum HostChangeCause
{
    /// <summary>No host change in this session yet.</summary>
    None,

    /// <summary>
    /// The peer lost its host and the election chose the new one: this peer, which claims the session
    /// (<see cref="Sessions.PlayerSessionHost.ClaimAsync(Sessions.IPlayerHostedSessions, Sessions.SessionId, long, byte[], long, TimeSpan?, TimeProvider?, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>),
    /// or the successor it reached, whose loss of the old host it reports
    /// (<see cref="Sessions.IPlayerHostedSessions.ReportHostLostAsync(Sessions.SessionId, long, CancellationToken)"/>).
    /// </summary>
    HostLost,

    /// <summary>
    /// The game told the peer to follow this host (<see cref="MigratingPeer.FollowHost(ulong, ReadOnlySpan{byte})"/>,
    /// <see cref="MigratingPeer.TryFollowHost(ulong)"/>): the host the directory records. Nothing to report.
    /// </summary>
    Followed,

    /// <summary>
    /// The peer's host gave way to the host the directory records (<see cref="DisconnectReason.HostGaveWay"/>) and the peer
    /// reached it through the plan of the host it lost before, without the game: a planned handover. Nothing to report.
    /// </summary>
    HostGaveWay,
}
