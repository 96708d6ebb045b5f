namespace Traktor.Ecs.Net.Sessions;

/// <summary>What hosts a session's authoritative world.</summary>
public enum SessionHostKind
{
    /// <summary>A dedicated game-server process of the fleet (registered with a server key, heartbeating).</summary>
    DedicatedServer = 0,

    /// <summary>
    /// A player's game (a listen server, <see cref="NetworkHost"/>), reached peer to peer or through a relay
    /// (docs/P2P.md): joiners' tokens are sealed with a key of this session only, which the directory gives the host.
    /// </summary>
    Player = 1,
}
