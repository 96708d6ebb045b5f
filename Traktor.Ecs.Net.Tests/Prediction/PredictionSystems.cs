using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>Server: moves every owned ship by its connection's input for the current tick.</summary>
internal sealed class ServerShipSystem(World world, ServerInputs<MoveInput, MoveInputSerializer> inputs) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription ships = new QueryDescription().WithAll<ShipBody, NetworkOwner>();

    public override void Update(in float dt)
    {
        float step = dt;
        foreach (ref var chunk in World.Query(in ships))
        {
            var bodies = chunk.GetSpan<ShipBody>();
            var owners = chunk.GetReadOnlySpan<NetworkOwner>();
            for (int i = 0; i < bodies.Length; i++)
            {
                inputs.TryGetInput(owners[i].Connection, out var input);
                bodies[i].Position = ShipRules.Step(bodies[i].Position, in input, step);
            }
        }
    }
}

/// <summary>Client: moves the local player's ship by the predicted input.</summary>
internal sealed class ClientShipSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription mine = new QueryDescription().WithAll<ShipBody, Pilot>();

    public override void Update(in float dt)
    {
        var context = World.Resources.Get<PredictionContext<MoveInput>>();
        var input = context.Input;
        foreach (ref var chunk in World.Query(in mine))
        {
            foreach (ref var body in chunk.GetSpan<ShipBody>())
            {
                body.Position = ShipRules.Step(body.Position, in input, context.DeltaTime);
            }
        }
    }
}
