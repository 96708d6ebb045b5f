using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Simulation;

/// <summary>
/// Counts lifetimes down; an expired asteroid is destroyed and replaced by a fresh one. The structural
/// changes go through a command buffer, because the world refuses them while the query iterates.
/// </summary>
public sealed class LifetimeSystem(World world, int seed) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription mortal = new QueryDescription().WithAll<Lifetime>();
    private readonly CommandBuffer commands = new();
    private readonly Random random = new(seed);

    /// <summary>Asteroids replaced so far.</summary>
    public int Respawned { get; private set; }

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        var expire = new Expire { DeltaTime = deltaTime, Commands = commands, Random = random };
        World.InlineEntityQuery<Expire, Lifetime>(in mortal, ref expire);
        Respawned += expire.Expired;
        commands.Playback(World);
    }

    private struct Expire : IForEachWithEntity<Lifetime>
    {
        public float DeltaTime;
        public CommandBuffer Commands;
        public Random Random;
        public int Expired;

        public void Update(Entity entity, ref Lifetime lifetime)
        {
            lifetime.Remaining -= DeltaTime;
            if (lifetime.Remaining > 0)
            {
                return;
            }

            Commands.Destroy(entity);
            var replacement = Commands.Create();
            Commands.Add(replacement, new Position { Value = Vector2.Zero });
            Commands.Add(replacement, new Velocity { Value = new Vector2(NextSigned() * 10f, NextSigned() * 10f) });
            Commands.Add(replacement, new Lifetime { Remaining = 2f + (float)Random.NextDouble() * 8f });
            Expired++;
        }

        private readonly float NextSigned() => (float)Random.NextDouble() * 2f - 1f;
    }
}
