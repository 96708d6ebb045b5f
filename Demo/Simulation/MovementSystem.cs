using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Simulation;

/// <summary>Integrates velocity into position with an inline query.</summary>
public sealed class MovementSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription movers = new QueryDescription().WithAll<Position, Velocity>();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        var step = new Step { DeltaTime = deltaTime };
        World.InlineQuery<Step, Position, Velocity>(in movers, ref step);
    }

    private struct Step : IForEach<Position, Velocity>
    {
        public float DeltaTime;

        public readonly void Update(ref Position position, ref Velocity velocity) =>
            position.Value += velocity.Value * DeltaTime;
    }
}
