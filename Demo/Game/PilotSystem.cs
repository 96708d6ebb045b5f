using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>
/// Flies each ship by its pilot's input command for this tick (server-authoritative: the client only
/// asks, and predicts), mirrors the flight state into the replicated position and heading everyone sees,
/// and fires the shots the pilot requested, at most one per cooldown.
/// </summary>
public sealed class PilotSystem(World world, MatchState match, ServerInputs<ShipInput, ShipInputSerializer> inputs) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription ships = new QueryDescription().WithAll<Pilot, ShipBody, Position, Heading, Ship>();
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
            var bodies = chunk.GetSpan<ShipBody>();
            var positions = chunk.GetSpan<Position>();
            var headings = chunk.GetSpan<Heading>();
            var hulls = chunk.GetReadOnlySpan<Ship>();
            for (int i = 0; i < pilots.Length; i++)
            {
                ref var pilot = ref pilots[i];
                ref var body = ref bodies[i];
                inputs.TryGetInput(pilot.Connection, out var input);
                ShipPhysics.Step(ref body, in input, deltaTime);
                positions[i].Value = body.Position;
                headings[i].Radians = body.Heading;

                pilot.Cooldown = MathF.Max(0f, pilot.Cooldown - deltaTime);
                if (pilot.PendingShots > 0 && pilot.Cooldown <= 0f)
                {
                    pilot.PendingShots--;
                    pilot.Cooldown = Arena.FireCooldown;
                    pilot.ShotsFired++;
                    match.ShotsFired++;
                    var forward = ShipPhysics.Forward(body.Heading);
                    var bullet = commands.Create();
                    commands.Add(bullet, new Position { Value = body.Position + (forward * (Arena.ShipRadius + 2f)) });
                    commands.Add(bullet, new Velocity { Value = body.Velocity + (forward * Arena.BulletSpeed) });
                    commands.Add(bullet, new Bullet { ShooterId = hulls[i].PilotId });
                    commands.Add(bullet, new Lifetime { Remaining = Arena.BulletLifetime });
                }

                // Requests beyond what the gun can fire in a second are a misbehaving client, not a backlog to honour.
                pilot.PendingShots = Math.Min(pilot.PendingShots, 4);
            }
        }

        commands.Playback(World);
    }
}
