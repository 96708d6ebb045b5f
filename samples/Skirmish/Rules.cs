using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;

namespace Skirmish;

// ---- Gameplay: one ship rule for the server and the owner's prediction. ----

public sealed class ShipSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription ships = new QueryDescription().WithAll<Ship, Position>();

    public override void Update(in float dt)
    {
        float step = dt;
        World.Query(in ships, (Entity entity, ref Ship ship, ref Position position) =>
        {
            if (!World.TryGetInput(entity, out Steer steer)) return;   // a remote ship: interpolated, not simulated

            ship.Velocity = (ship.Velocity + (new Vector2(steer.X, steer.Y) * 40f * step)) * (1f - (3f * step));
            ship.Velocity = ship.Velocity.LengthSquared() < 0.01f ? Vector2.Zero : ship.Velocity;   // comes to rest
            ship.Position = Vector2.Clamp(ship.Position + (ship.Velocity * step), new(-500), new(500));
            position.Value = ship.Position;
        });
    }
}

/// <summary>Server rules: bullets fly and expire, fire requests spawn bullets, chat is relayed.</summary>
public sealed class ServerRules(World world, NetworkServer server) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription bullets = new QueryDescription().WithAll<Bullet, Position>();
    private readonly QueryDescription fires = new QueryDescription().WithAll<Fire, RpcSource>();
    private readonly QueryDescription chats = new QueryDescription().WithAll<Chat, RpcSource>();

    public override void Update(in float dt)
    {
        float step = dt;
        World.Query(in bullets, (Entity entity, ref Bullet bullet, ref Position position) =>
        {
            position.Value += bullet.Velocity * step;
            if (--bullet.Life <= 0) World.Destroy(entity);              // a despawn on every client
        });
        World.Query(in fires, (ref Fire fire, ref RpcSource from) =>
        {
            if (!server.TryGetPlayerEntity(from.Connection, out var shooter)) return;
            var at = World.Get<Ship>(shooter).Position;
            World.Create(new Bullet { Life = 60, Velocity = fire.Direction * 60f }, new Position { Value = at });
            World.SendRpc(new Fired { Shooter = World.Get<NetworkId>(shooter) }, RpcTarget.AllClients);
        });
        World.Query(in chats, (ref Chat chat, ref RpcSource from) => World.SendRpc(chat, RpcTarget.AllExcept(from.Connection)));
    }
}
