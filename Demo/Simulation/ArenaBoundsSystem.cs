using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Simulation;

/// <summary>Bounces movers off the arena walls.</summary>
public sealed class ArenaBoundsSystem(World world, float halfExtent) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription movers = new QueryDescription().WithAll<Position, Velocity>();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        float limit = halfExtent;
        foreach (ref var chunk in World.Query(in movers))
        {
            var positions = chunk.GetSpan<Position>();
            var velocities = chunk.GetSpan<Velocity>();
            for (int i = 0; i < positions.Length; i++)
            {
                ref var p = ref positions[i].Value;
                ref var v = ref velocities[i].Value;
                if (MathF.Abs(p.X) > limit)
                {
                    v.X = -v.X;
                    p.X = Math.Clamp(p.X, -limit, limit);
                }

                if (MathF.Abs(p.Y) > limit)
                {
                    v.Y = -v.Y;
                    p.Y = Math.Clamp(p.Y, -limit, limit);
                }
            }
        }
    }
}
