namespace Traktor.Ecs.Net;

/// <summary>What a <see cref="MigratingPeer"/> is now.</summary>
public enum MigrationRole
{
    /// <summary>Not started, or disposed.</summary>
    Idle,

    /// <summary>It hosts: its world is the authoritative one.</summary>
    Host,

    /// <summary>A client of the host (connecting or connected).</summary>
    Client,

    /// <summary>The host is gone and this peer is connecting to the successor it elected.</summary>
    Reconnecting,

    /// <summary>
    /// Out of the game: disconnected by the host, no successor could be reached, or this host ended the session
    /// (<see cref="MigratingPeer.EndSession"/>). The world keeps the last state the peer had until it follows a host or starts again,
    /// and the game's client systems (the peer's <c>clientSystems</c>) do not run meanwhile: nothing predicts or presents over a
    /// session that is over.
    /// </summary>
    Out,
}
