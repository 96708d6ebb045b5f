using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// Marks a received RPC entity and tells where it came from. Handler systems query the RPC component
/// together with this one (an RPC being sent carries no <see cref="RpcSource"/>). The plugin destroys
/// these entities at the end of the tick.
/// </summary>
/// <param name="Connection">The sending client on the server; <c>default</c> on a client (the server) and for local events.</param>
/// <param name="IsLocal">True for events the server raised itself (for example <see cref="Sessions.PlayerJoined"/>), not received from a client.</param>
public readonly record struct RpcSource(ConnectionId Connection, bool IsLocal = false)
{
    /// <summary>The source of events raised by the local process.</summary>
    public static RpcSource Local => new(default, true);
}
