using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// Client event entity: the connection ended (replicated entities are already gone). Lives for the tick
/// it appears in.
/// </summary>
/// <param name="Reason">Why.</param>
public readonly record struct DisconnectedEvent(DisconnectReason Reason);
