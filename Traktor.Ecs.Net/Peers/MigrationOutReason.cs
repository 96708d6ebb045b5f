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
}
