using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// Client event entity: the connection ended (replicated entities are already gone). Lives for the tick
/// it appears in.
/// </summary>
/// <param name="Reason">Why.</param>
public readonly record struct DisconnectedEvent(DisconnectReason Reason);
