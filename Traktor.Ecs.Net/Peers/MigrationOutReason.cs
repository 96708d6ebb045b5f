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
}
