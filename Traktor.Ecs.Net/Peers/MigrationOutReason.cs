namespace Traktor.Ecs.Net;

/// <summary>Why a <see cref="MigratingPeer"/> is <see cref="MigrationRole.Out"/> (<see cref="MigratingPeer.OutReason"/>).</summary>
public enum MigrationOutReason
{
    /// <summary>Its host disconnected it (kicked, refused, a protocol violation): no migration.</summary>
    DisconnectedByHost,

    /// <summary>It lost its host before the host sent it a migration plan.</summary>
    NoPlan,

    /// <summary>No successor of the plan answered (it tried each in turn).</summary>
    NoSuccessor,

    /// <summary>The recorded host it was told to follow (<see cref="MigratingPeer.TryFollowHost"/>) did not answer within the reconnect timeout.</summary>
    RecordedHostUnreachable,

    /// <summary>
    /// Its host stopped hosting to follow the host the directory records (<see cref="MigratingPeer.FollowHost"/> while it
    /// hosted) and closed this peer's connection with <see cref="DisconnectReason.HostGaveWay"/>: no election (a successor of
    /// the host that gave way would only host beside the recorded one). Join the session again for a token and
    /// <see cref="MigratingPeer.FollowHost"/> the recorded host, or <see cref="MigratingPeer.TryFollowHost"/> it.
    /// </summary>
    HostGaveWay,

    /// <summary>
    /// Its host closed this peer's connection with <see cref="DisconnectReason.SessionEnded"/> (<see cref="MigratingPeer.EndSession"/>;
    /// the host itself is out with this reason then): the session is over, so
    /// there is no migration and no host to follow. (A host that gives way sends <see cref="DisconnectReason.HostGaveWay"/>
    /// instead, so a session end is never taken for <see cref="HostGaveWay"/>.)
    /// </summary>
    SessionEnded,

    /// <summary>
    /// The host it dialled runs another protocol version and said so (<see cref="DisconnectReason.ProtocolVersionMismatch"/>,
    /// docs/PROTOCOL.md §3.7): the host it joined (<see cref="MigratingPeer.Join"/>) or the recorded host it was told to
    /// follow (<see cref="MigratingPeer.FollowHost"/>, <see cref="MigratingPeer.TryFollowHost"/>). Final: this build cannot
    /// play with that host, so there is no election and joining again gets the same answer; tell the player to update the
    /// game (or that the other player's build differs). A successor of the election that answers so is only passed over:
    /// it was in this session, speaking this build's version, so another program answers at its address now, and every
    /// peer passes it alike.
    /// </summary>
    ProtocolVersionMismatch,
}
