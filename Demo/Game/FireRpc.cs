using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>
/// A pilot pulls the trigger: an RPC from client to server on the reliable-ordered channel (a lost
/// datagram must not become a lost shot). The server enforces the gun's cooldown.
/// </summary>
[Rpc(Channel = Channel.ReliableOrdered)]
public struct FireRpc
{
    /// <summary>The shooter's shot counter (wrapping), for tracing shots in the capture.</summary>
    [Range(0, 255)]
    public int Shot;
}
