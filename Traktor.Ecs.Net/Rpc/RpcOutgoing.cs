namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// Marks an RPC entity waiting to be sent. <see cref="Order"/> keeps the send order across RPC types,
/// which the per-type queries of the send pass would otherwise lose.
/// </summary>
/// <param name="Target">The recipients.</param>
/// <param name="Order">A per-world counter value taken when the RPC was queued.</param>
internal readonly record struct RpcOutgoing(RpcTarget Target, ulong Order);
