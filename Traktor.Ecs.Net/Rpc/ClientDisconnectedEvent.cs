using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Server event entity: a client left or was dropped. Lives for the tick it appears in.</summary>
/// <param name="Connection">Its (now closed) connection.</param>
/// <param name="ClientId">Its identity.</param>
/// <param name="Reason">Why.</param>
public readonly record struct ClientDisconnectedEvent(ConnectionId Connection, ulong ClientId, DisconnectReason Reason);
