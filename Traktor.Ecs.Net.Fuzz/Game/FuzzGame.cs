using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Fuzz.Game;

/// <summary>The registries of the fuzz game's types.</summary>
internal static class FuzzGame
{
    public static readonly ReplicationRegistry Replicated = ReplicationRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);

    public static readonly RpcRegistry Rpcs = RpcRegistry.FromSchemas([GeneratedNetworkSchema.Instance]);
}
