namespace Traktor.Ecs.Net.Sessions;

/// <summary>Why a <see cref="GameServerHost"/>'s <see cref="GameServerHost.Completion"/> finished (a process maps it to its exit code).</summary>
public enum GameServerExit
{
    /// <summary>Not finished.</summary>
    Running = 0,

    /// <summary>Drained: its last session ended and it deregistered (or, the directory refusing, left it to declare the server dead).</summary>
    Drained = 1,

    /// <summary>
    /// Draining, the directory answered nothing for <see cref="GameServerHost.DrainBackendTimeout"/>: the host gave up waiting
    /// for it to end the sessions still hosted (<see cref="GameServerHost.AbandonedSessions"/>), then tried to deregister for
    /// at most <see cref="GameServerHost.DrainDeregisterTimeout"/>: <see cref="GameServerHost.State"/> is
    /// <see cref="GameServerState.Gone"/> when that succeeded; otherwise the directory declares the server dead once it runs again.
    /// </summary>
    BackendUnreachable = 2,

    /// <summary>The directory declared the draining server dead, or no longer knows it.</summary>
    Gone = 3,

    /// <summary>Disposed before any of the above.</summary>
    Disposed = 4,

    /// <summary>
    /// Draining, sessions still ran after <see cref="GameServerHost.DrainSessionsTimeout"/>: the host reported them
    /// (<see cref="GameServerHost.AbandonedSessions"/>), deregistered (the directory ended them with
    /// <see cref="SessionEndReason.ServerShutdown"/>; <see cref="GameServerHost.State"/> is <see cref="GameServerState.Gone"/>
    /// unless that failed for <see cref="GameServerHost.DrainDeregisterTimeout"/>), and ended and closed them here.
    /// </summary>
    DrainTimedOut = 5,
}
