using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// A client completed the handshake: the argument of <see cref="NetworkServer.PlayerConnected"/>, and (with
/// an <see cref="RpcServer"/>) an event entity that lives for the tick it appears in. Spawn a player only
/// when <see cref="Reconnected"/> is false: a returning client already has one.
/// </summary>
/// <param name="Connection">Its connection.</param>
/// <param name="ClientId">Its identity (the connect token's client id).</param>
/// <param name="Reconnected">
/// True when this identity came back: the reconnect grace handed its entities back, or its player entity
/// (<see cref="NetworkServer.SetPlayerEntity"/>) is still alive. Its entities are owned by the new connection.
/// </param>
public readonly record struct ClientConnectedEvent(ConnectionId Connection, ulong ClientId, bool Reconnected);
