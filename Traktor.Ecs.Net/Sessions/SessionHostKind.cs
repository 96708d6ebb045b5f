namespace Traktor.Ecs.Net.Sessions;

/// <summary>What hosts a session's authoritative world.</summary>
/// <remarks>Peer-to-peer hosting (a player's game as the server, reached through a relay) will add a value here.</remarks>
public enum SessionHostKind
{
    /// <summary>A dedicated game-server process of the fleet (registered with a server key, heartbeating).</summary>
    DedicatedServer = 0,
}
