using Demo.Game;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Systems;

namespace Demo.Bots;

/// <summary>Client prediction: flies the local ship by the predicted tick's input, with the server's own rule.</summary>
public sealed class ShipPredictionSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription mine = new QueryDescription().WithAll<ShipBody>();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        var context = World.Resources.Get<PredictionContext<ShipInput>>();
        var input = context.Input;
        foreach (ref var chunk in World.Query(in mine))
        {
            foreach (ref var body in chunk.GetSpan<ShipBody>())
            {
                ShipPhysics.Step(ref body, in input, context.DeltaTime);
            }
        }
    }
}
