namespace Traktor.Ecs.Net.Rpc;

/// <summary>Receives an RPC released from a <see cref="HeldRpcQueue"/>.</summary>
/// <param name="type">Its type.</param>
/// <param name="payload">Its bytes, valid during the call.</param>
/// <param name="early">True when released without its snapshot.</param>
internal delegate void RpcRelease(RpcType type, ReadOnlySpan<byte> payload, bool early);
