namespace Traktor.Ecs.Net.Rpc;

/// <summary>What the server's RPC layer knows about one connection.</summary>
/// <param name="clientId">The connection's identity.</param>
/// <param name="bucket">Its rate limit.</param>
internal sealed class RpcConnectionState(ulong clientId, TokenBucket bucket)
{
    /// <summary>The connect token's client id.</summary>
    public ulong ClientId { get; } = clientId;

    /// <summary>Its RPC rate limit.</summary>
    public TokenBucket Bucket { get; } = bucket;

    /// <summary>Its counts and drops.</summary>
    public RpcCounters Counters { get; } = new();

    /// <summary>The tick of the newest snapshot sent to it: RPCs are stamped with it so they never overtake it.</summary>
    public uint SnapshotTick { get; set; }

    /// <summary>RPCs waiting for the next tick that carries this connection's snapshot.</summary>
    public RpcOutbox Outbox { get; } = new();
}
