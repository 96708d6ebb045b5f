using System.Numerics;
using Demo.Bots;
using Demo.Game;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Serialization;

namespace Demo.Run;

/// <summary>Compares each bot's replicated world with the server's authoritative one.</summary>
public static class ConvergenceCheck
{
    // Positions are quantized to 0.05 units, so a converged copy is within half a step of the server's value.
    private const float PositionTolerance = 0.05f;

    private static readonly QueryDescription Replicated = new QueryDescription().WithAll<NetworkId>();

    /// <summary>Compares one bot's world with the server's, as seen from the bot's ship.</summary>
    public static ConvergenceResult Compare(ArenaServer server, BotClient bot)
    {
        var expected = new Dictionary<uint, Vector2?>();
        if (FindShip(server.World, bot.PilotId) is { } viewer)
        {
            var world = server.World;
            world.Query(in Replicated, (Entity entity, ref NetworkId id) =>
            {
                if (!world.Has<Position>(entity))
                {
                    expected[id.Value] = null;
                    return;
                }

                var position = world.Get<Position>(entity).Value;
                if (entity == viewer || Vector2.DistanceSquared(position, world.Get<Position>(viewer).Value) <= Arena.ViewRadius * Arena.ViewRadius)
                {
                    expected[id.Value] = position;
                }
            });
        }

        int actual = 0, missing, extra = 0, wrong = 0;
        var seen = new HashSet<uint>();
        var client = bot.World;
        client.Query(in Replicated, (Entity entity, ref NetworkId id) =>
        {
            actual++;
            seen.Add(id.Value);
            if (!expected.TryGetValue(id.Value, out var serverPosition))
            {
                extra++;
                return;
            }

            if (serverPosition is { } p && (!client.Has<Position>(entity) || Vector2.Distance(client.Get<Position>(entity).Value, p) > PositionTolerance))
            {
                wrong++;
            }
        });
        missing = expected.Keys.Count(id => !seen.Contains(id));
        return new ConvergenceResult(bot.Name, expected.Count, actual, missing, extra, wrong);
    }

    private static Entity? FindShip(World world, int pilotId)
    {
        Entity? found = null;
        var ships = new QueryDescription().WithAll<Ship, Position>();
        world.Query(in ships, (Entity entity, ref Ship ship) =>
        {
            if (ship.PilotId == pilotId)
            {
                found = entity;
            }
        });
        return found;
    }
}
