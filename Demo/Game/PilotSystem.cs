using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>
/// Flies each ship from its pilot's latest input (server-authoritative: the client only asks) and
/// fires the shots the pilot requested, at most one per cooldown.
/// </summary>
public sealed class PilotSystem(World world, MatchState match) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription ships = new QueryDescription().WithAll<Pilot, Position, Velocity, Heading>();
    private readonly CommandBuffer commands = new();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (match.Frozen)
        {
            return;
        }

        foreach (ref var chunk in World.Query(in ships))
        {
            var pilots = chunk.GetSpan<Pilot>();
            var positions = chunk.GetReadOnlySpan<Position>();
            var velocities = chunk.GetSpan<Velocity>();
            var headings = chunk.GetSpan<Heading>();
            var entities = chunk.Entities;
            for (int i = 0; i < pilots.Length; i++)
            {
                ref var pilot = ref pilots[i];
                ref var heading = ref headings[i].Radians;
                heading = WrapAngle(heading + (Math.Clamp(pilot.Input.Turn, -1f, 1f) * Arena.ShipTurnRate * deltaTime));
                var forward = new Vector2(MathF.Cos(heading), MathF.Sin(heading));
                ref var velocity = ref velocities[i].Value;
                velocity += forward * (Math.Clamp(pilot.Input.Thrust, 0f, 1f) * Arena.ShipThrust * deltaTime);
                velocity *= 1f - (0.6f * deltaTime);
                if (velocity.LengthSquared() > Arena.ShipMaxSpeed * Arena.ShipMaxSpeed)
                {
                    velocity = Vector2.Normalize(velocity) * Arena.ShipMaxSpeed;
                }

                pilot.Cooldown = MathF.Max(0f, pilot.Cooldown - deltaTime);
                if (pilot.PendingShots > 0 && pilot.Cooldown <= 0f)
                {
                    pilot.PendingShots--;
                    pilot.Cooldown = Arena.FireCooldown;
                    pilot.ShotsFired++;
                    match.ShotsFired++;
                    int shooter = World.Get<Ship>(entities[i]).PilotId;
                    var bullet = commands.Create();
                    commands.Add(bullet, new Position { Value = positions[i].Value + (forward * (Arena.ShipRadius + 2f)) });
                    commands.Add(bullet, new Velocity { Value = velocity + (forward * Arena.BulletSpeed) });
                    commands.Add(bullet, new Bullet { ShooterId = shooter });
                    commands.Add(bullet, new Lifetime { Remaining = Arena.BulletLifetime });
                }

                // Requests beyond what the gun can fire in a second are a misbehaving client, not a backlog to honour.
                pilot.PendingShots = Math.Min(pilot.PendingShots, 4);
            }
        }

        commands.Playback(World);
    }

    private static float WrapAngle(float radians) =>
        radians > MathF.PI ? radians - (2f * MathF.PI) : radians < -MathF.PI ? radians + (2f * MathF.PI) : radians;
}
