using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// Client event entity: the connection ended (replicated entities are already gone). Lives for the tick
/// it appears in.
/// </summary>
/// <param name="Reason">Why.</param>
public readonly record struct DisconnectedEvent(DisconnectReason Reason)
{
    /// <summary>True when the server's Disconnect packet ended the connection (it is alive and said why); false when this end ended it (a timeout, its own disconnect).</summary>
    public bool ByServer { get; init; }
}
