using System.Numerics;
using Demo.Game;
using Traktor.Ecs;

namespace Demo.Bots;

/// <summary>What a bot sees of its replicated world: its own predicted ship (the only one carrying <see cref="ShipBody"/> on a client) and the rocks.</summary>
public static class BotView
{
    private static readonly QueryDescription OwnShip = new QueryDescription().WithAll<ShipBody>();
    private static readonly QueryDescription Rocks = new QueryDescription().WithAll<Asteroid, Position>();

    /// <summary>The bot's own ship, if it has seen it yet.</summary>
    public static bool TryFindOwnShip(World world, out ShipBody body) => TryFindFirstShip(world, OwnShip, out body);

    /// <summary>
    /// The first ship <paramref name="query"/> matches (a host, whose world holds every ship, narrows it to its own with
    /// <c>LocalOwner</c>).
    /// </summary>
    public static bool TryFindFirstShip(World world, in QueryDescription query, out ShipBody body)
    {
        foreach (ref var chunk in world.Query(in query))
        {
            var bodies = chunk.GetReadOnlySpan<ShipBody>();
            if (bodies.Length > 0)
            {
                body = bodies[0];
                return true;
            }
        }

        body = default;
        return false;
    }

    /// <summary>The rock nearest to <paramref name="from"/>, if any is in view.</summary>
    public static bool TryFindNearestRock(World world, Vector2 from, out Vector2 nearest)
    {
        nearest = default;
        float best = float.MaxValue;
        foreach (ref var chunk in world.Query(in Rocks))
        {
            var positions = chunk.GetReadOnlySpan<Position>();
            for (int i = 0; i < positions.Length; i++)
            {
                float d = Vector2.DistanceSquared(from, positions[i].Value);
                if (d < best)
                {
                    best = d;
                    nearest = positions[i].Value;
                }
            }
        }

        return best < float.MaxValue;
    }
}
