using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>
/// Turns received <see cref="FireRpc"/> event entities into pending shots on the sender's ship. The sender
/// is the transport's connection (<see cref="RpcSource"/>), never a claim in the message.
/// </summary>
public sealed class FireSystem(World world, IReadOnlyDictionary<Traktor.Ecs.Net.ConnectionId, Entity> ships) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription fired = new QueryDescription().WithAll<FireRpc, RpcSource>();

    /// <summary>Fire requests received.</summary>
    public long Requests { get; private set; }

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        foreach (ref var chunk in World.Query(in fired))
        {
            var sources = chunk.GetReadOnlySpan<RpcSource>();
            for (int i = 0; i < sources.Length; i++)
            {
                if (!sources[i].IsLocal && ships.TryGetValue(sources[i].Connection, out var ship) && World.IsAlive(ship))
                {
                    Requests++;
                    World.Get<Pilot>(ship).PendingShots++;
                }
            }
        }
    }
}
