using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>Keeps the field stocked: when rocks run low, a large one drifts in from a random edge.</summary>
public sealed class AsteroidFieldSystem(World world, MatchState match, int targetCount, int seed) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription rocks = new QueryDescription().WithAll<Asteroid>();
    private readonly Random random = new(seed);

    /// <summary>The rock count the field is kept at.</summary>
    public int TargetCount => targetCount;

    /// <inheritdoc />
    public override void Initialize()
    {
        for (int i = 0; i < targetCount; i++)
        {
            Spawn(ArenaSpawn.RandomPoint(random, margin: 20f), random.Next(1, 4));
        }
    }

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (match.Frozen)
        {
            return;
        }

        // One per tick at most, so a wave of kills refills gradually rather than in a burst of spawns.
        if (World.CountEntities(in rocks) < targetCount)
        {
            float edge = Arena.HalfExtent - 5f;
            float along = ((float)random.NextDouble() * 2f - 1f) * edge;
            var where = random.Next(4) switch
            {
                0 => new Vector2(-edge, along),
                1 => new Vector2(edge, along),
                2 => new Vector2(along, -edge),
                _ => new Vector2(along, edge),
            };
            Spawn(where, 3);
        }
    }

    private void Spawn(Vector2 where, int size)
    {
        float angle = (float)(random.NextDouble() * Math.Tau);
        var velocity = new Vector2(MathF.Cos(angle), MathF.Sin(angle)) * (20f + (float)(random.NextDouble() * 40f));
        World.Create(new Position { Value = where }, new Velocity { Value = velocity }, new Asteroid { Size = size });
    }
}
