using System.Numerics;

namespace Rally;

/// <summary>One rule for the server and the driver's prediction: a car with input moves.</summary>
public sealed class CarSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription cars = new QueryDescription().WithAll<Car, Position>();

    public override void Update(in float dt)
    {
        float step = dt;
        World.Query(in cars, (Entity entity, ref Car car, ref Position position) =>
        {
            if (!World.TryGetInput(entity, out Drive drive)) return;   // not ours to simulate
            car.Position += new Vector2(drive.X, drive.Y) * 20f * step;
            position.Value = car.Position;
        });
    }
}

/// <summary>The server relays every honk to the other players (received RPCs live one tick: handle them in a system).</summary>
public sealed class HonkRelay(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription honks = new QueryDescription().WithAll<Honk, RpcSource>();

    public override void Update(in float dt) =>
        World.Query(in honks, (ref Honk honk, ref RpcSource from) => World.SendRpc(honk, RpcTarget.AllExcept(from.Connection)));
}

/// <summary>A player counts the honks it hears.</summary>
public sealed class HonkCounter(World world, Player player) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription honks = new QueryDescription().WithAll<Honk, RpcSource>();

    public override void Update(in float dt) => player.Honks += World.CountEntities(in honks);
}
