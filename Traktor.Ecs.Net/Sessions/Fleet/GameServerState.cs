namespace Traktor.Ecs.Net.Sessions;

/// <summary>A game server's standing in the fleet.</summary>
public enum GameServerState
{
    /// <summary>Heartbeating; new sessions may be placed on it.</summary>
    Live = 0,

    /// <summary>Heartbeating, taking no new sessions; it exits when its last session ends.</summary>
    Draining = 1,

    /// <summary>Missed its heartbeats past the dead timeout: its sessions ended with <see cref="SessionEndReason.ServerLost"/>; nothing is placed on it again.</summary>
    Dead = 2,

    /// <summary>Deregistered.</summary>
    Gone = 3,
}
