namespace Traktor.Ecs.Net.Sessions;

/// <summary>One game server as the fleet sees it.</summary>
/// <param name="ServerId">Its id.</param>
/// <param name="Name">Its operator label.</param>
/// <param name="Addresses">Its player-facing addresses.</param>
/// <param name="State">Its standing.</param>
/// <param name="MaxPlayers">Its connection capacity.</param>
/// <param name="ReservedPlayers">Capacity reserved by its live sessions (the sum of their capacities).</param>
/// <param name="LiveSessions">Its live sessions.</param>
/// <param name="ConnectedPlayers">Players connected to it at its last heartbeat.</param>
/// <param name="TickMilliseconds">Its mean tick time at its last heartbeat.</param>
/// <param name="LastHeartbeat">When it last heartbeated (registration counts as one).</param>
public sealed record GameServerStatus(
    string ServerId,
    string Name,
    IReadOnlyList<string> Addresses,
    GameServerState State,
    int MaxPlayers,
    int ReservedPlayers,
    int LiveSessions,
    int ConnectedPlayers,
    double TickMilliseconds,
    DateTimeOffset LastHeartbeat);
