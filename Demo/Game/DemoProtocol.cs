using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Rpc;

namespace Demo.Game;

/// <summary>What server and clients must agree on: the game's protocol id, the replicated schema and the RPCs.</summary>
public static class DemoProtocol
{
    /// <summary>"TRKDEMO1": refuses clients of other games at the handshake.</summary>
    public const ulong Id = 0x5452_4B44_454D_4F31;

    /// <summary>The replicated components, from the source generator's schema for this assembly.</summary>
    public static readonly ReplicationRegistry Registry = ReplicationRegistry.FromSchemas([Demo.GeneratedNetworkSchema.Instance]);

    /// <summary>The RPCs, numbered from the same schema on both ends.</summary>
    public static readonly RpcRegistry Rpcs = RpcRegistry.FromSchemas([Demo.GeneratedNetworkSchema.Instance]);
}
