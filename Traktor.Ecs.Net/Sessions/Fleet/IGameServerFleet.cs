namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The session directory as a game-server process sees it (calls need the fleet's server key over HTTP): register,
/// heartbeat — each heartbeat answers with the sessions placed on this server, so assignments are learned by pull
/// once per heartbeat interval — and deregister. Implemented by <c>SessionDirectory</c> (Traktor.Ecs.Net.Online) and
/// <see cref="Online.HttpGameServerFleet"/>.
/// </summary>
public interface IGameServerFleet
{
    /// <summary>Registers a game-server process; it is live (placeable) at once.</summary>
    /// <param name="registration">Its addresses and capacity.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its id and the heartbeat rules.</returns>
    Task<GameServerLease> RegisterServerAsync(GameServerRegistration registration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports that the server is alive, its load and who is connected to each of its sessions; returns its state and its
    /// sessions (live ones, and ones that ended recently with their reason).
    /// </summary>
    /// <param name="serverId">The id from <see cref="RegisterServerAsync"/>.</param>
    /// <param name="heartbeat">What the server reports.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The server's state and assignments. A <see cref="GameServerState.Dead"/> server must drop its sessions and register anew.</returns>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.NotFound"/> for an unknown server id.</exception>
    Task<FleetAssignments> HeartbeatAsync(string serverId, GameServerHeartbeat heartbeat, CancellationToken cancellationToken = default);

    /// <summary>Removes the server from the fleet; its live sessions end with <see cref="SessionEndReason.ServerShutdown"/>.</summary>
    /// <param name="serverId">The server.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the server was unknown or already gone.</returns>
    Task<bool> DeregisterServerAsync(string serverId, CancellationToken cancellationToken = default);

    /// <summary>The fleet's servers (live, draining, and dead or gone within the last hour), for dashboards and operations.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The servers, oldest registration first.</returns>
    Task<IReadOnlyList<GameServerStatus>> ListServersAsync(CancellationToken cancellationToken = default);
}
