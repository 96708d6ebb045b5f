using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>
/// Bullets break rocks (large ones split in two) and score for their shooter; rocks that hit a ship
/// damage it, and a wrecked ship respawns. Entities are gathered first, then changed, so no structural
/// change happens inside a query.
/// </summary>
public sealed class CollisionSystem(World world, MatchState match, int seed) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription rocksQuery = new QueryDescription().WithAll<Asteroid, Position, Velocity>();
    private readonly QueryDescription bulletsQuery = new QueryDescription().WithAll<Bullet, Position>();
    private readonly QueryDescription shipsQuery = new QueryDescription().WithAll<Ship, Pilot, Position>();
    private readonly List<(Entity Entity, Vector2 Position, float Radius, int Size)> rocks = new();
    private readonly List<(Entity Entity, Vector2 Position, int ShooterId)> bullets = new();
    private readonly List<(Entity Entity, Vector2 Position, int PilotId)> ships = new();
    private readonly HashSet<Entity> destroyed = new();
    private readonly Random random = new(seed);

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (match.Frozen)
        {
            return;
        }

        Gather();
        destroyed.Clear();
        foreach (var bullet in bullets)
        {
            foreach (var rock in rocks)
            {
                if (destroyed.Contains(rock.Entity) || Vector2.DistanceSquared(bullet.Position, rock.Position) > rock.Radius * rock.Radius)
                {
                    continue;
                }

                destroyed.Add(rock.Entity);
                destroyed.Add(bullet.Entity);
                Split(rock.Position, rock.Size);
                Credit(bullet.ShooterId, (4 - rock.Size) * 10);
                break;
            }
        }

        foreach (var ship in ships)
        {
            foreach (var rock in rocks)
            {
                float reach = rock.Radius + Arena.ShipRadius;
                if (destroyed.Contains(rock.Entity) || Vector2.DistanceSquared(ship.Position, rock.Position) > reach * reach)
                {
                    continue;
                }

                destroyed.Add(rock.Entity);
                Damage(ship.Entity, rock.Size * 15);
            }
        }

        foreach (var entity in destroyed)
        {
            World.Destroy(entity);
        }
    }

    private void Gather()
    {
        rocks.Clear();
        bullets.Clear();
        ships.Clear();
        foreach (ref var chunk in World.Query(in rocksQuery))
        {
            var sizes = chunk.GetReadOnlySpan<Asteroid>();
            var positions = chunk.GetReadOnlySpan<Position>();
            var entities = chunk.Entities;
            for (int i = 0; i < sizes.Length; i++)
            {
                rocks.Add((entities[i], positions[i].Value, sizes[i].Radius, sizes[i].Size));
            }
        }

        foreach (ref var chunk in World.Query(in bulletsQuery))
        {
            var shots = chunk.GetReadOnlySpan<Bullet>();
            var positions = chunk.GetReadOnlySpan<Position>();
            var entities = chunk.Entities;
            for (int i = 0; i < shots.Length; i++)
            {
                bullets.Add((entities[i], positions[i].Value, shots[i].ShooterId));
            }
        }

        foreach (ref var chunk in World.Query(in shipsQuery))
        {
            var hulls = chunk.GetReadOnlySpan<Ship>();
            var positions = chunk.GetReadOnlySpan<Position>();
            var entities = chunk.Entities;
            for (int i = 0; i < hulls.Length; i++)
            {
                ships.Add((entities[i], positions[i].Value, hulls[i].PilotId));
            }
        }
    }

    private void Split(Vector2 where, int size)
    {
        match.RocksDestroyed++;
        if (size <= 1)
        {
            return;
        }

        for (int i = 0; i < 2; i++)
        {
            float angle = (float)(random.NextDouble() * Math.Tau);
            var velocity = new Vector2(MathF.Cos(angle), MathF.Sin(angle)) * (40f + (float)(random.NextDouble() * 50f));
            World.Create(new Position { Value = where }, new Velocity { Value = velocity }, new Asteroid { Size = size - 1 });
        }
    }

    private void Credit(int pilotId, int points)
    {
        foreach (var ship in ships)
        {
            if (ship.PilotId == pilotId && World.IsAlive(ship.Entity))
            {
                ref var hull = ref World.Get<Ship>(ship.Entity);
                hull.Score = Math.Min(hull.Score + points, 100_000);
                World.Get<Pilot>(ship.Entity).Kills++;
                match.Kills.Enqueue(pilotId);
                return;
            }
        }
    }

    private void Damage(Entity ship, int amount)
    {
        ref var hull = ref World.Get<Ship>(ship);
        hull.Health -= amount;
        if (hull.Health > 0)
        {
            return;
        }

        // Wrecked: back to full health somewhere random, with the score kept.
        hull.Health = Arena.ShipHealth;
        World.Get<Pilot>(ship).Deaths++;
        ref var body = ref World.Get<ShipBody>(ship);
        body.Position = ArenaSpawn.RandomPoint(random, margin: 100f);
        body.Velocity = Vector2.Zero;
        World.Get<Position>(ship).Value = body.Position;
    }
}
