using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Server event entity: a client completed the handshake. Lives for the tick it appears in.</summary>
/// <param name="Connection">Its connection.</param>
/// <param name="ClientId">Its identity (the connect token's client id).</param>
/// <param name="Reconnected">True when it came back within the grace period and got its entities back.</param>
public readonly record struct ClientConnectedEvent(ConnectionId Connection, ulong ClientId, bool Reconnected);
