using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>Moves everything with a velocity and bounces it off the arena walls.</summary>
public sealed class MovementSystem(World world, MatchState match) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription movers = new QueryDescription().WithAll<Position, Velocity>();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (match.Frozen)
        {
            return;
        }

        foreach (ref var chunk in World.Query(in movers))
        {
            var positions = chunk.GetSpan<Position>();
            var velocities = chunk.GetSpan<Velocity>();
            for (int i = 0; i < positions.Length; i++)
            {
                positions[i].Value += velocities[i].Value * deltaTime;
                Arena.Bounce(ref positions[i].Value, ref velocities[i].Value);
            }
        }
    }
}
