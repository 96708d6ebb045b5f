using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// What a <see cref="Multiplayer"/> needs to host sessions on this player's game
/// (<see cref="Multiplayer.CreateSessionAsync(Sessions.SessionOptions, Sessions.SessionHostKind, CancellationToken)"/> with
/// <see cref="Sessions.SessionHostKind.Player"/>): the socket its listen server serves on and the game's server-side systems.
/// </summary>
/// <param name="Socket">
/// The listen server's socket, not the <see cref="NetworkClient"/>'s. A <see cref="NatTraversal"/> registers the session's
/// rendezvous with its introducer and publishes the public address the introducer observed, so joiners behind NATs reach
/// it (punched or relayed); any other socket publishes its <see cref="IDatagramTransport.LocalAddress"/>, which must then be
/// a specific address the joiners can reach (a LAN).
/// </param>
public sealed record MultiplayerHosting(IDatagramTransport Socket)
{
    /// <summary>
    /// The game's authoritative systems around the host (its rules: spawn a player's entity on
    /// <see cref="NetworkServer.PlayerConnected"/>, <see cref="ServerInputs{TInput, TSerializer}"/>, <see cref="RpcServer"/>, …),
    /// built each time hosting starts and run by the facade after the host's receive and before its send, as
    /// <see cref="MigratingPeer"/>'s host systems are. Null for none.
    /// </summary>
    public Func<NetworkHost, IEnumerable<ISystem<float>>>? Systems { get; init; }
}
