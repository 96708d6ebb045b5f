using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Simulation;

/// <summary>
/// The offline part of the demo: thousands of asteroids moved by a timed system group, then a
/// profile of every system. It proves the ECS layer on its own.
/// </summary>
public static class LocalSimulation
{
    /// <summary>Runs the simulation and prints its profile.</summary>
    /// <param name="entityCount">How many asteroids.</param>
    /// <param name="ticks">How many 60 Hz ticks.</param>
    /// <param name="output">Where the report goes.</param>
    /// <returns>The number of live asteroids at the end (it must equal <paramref name="entityCount"/>).</returns>
    public static int Run(int entityCount, int ticks, TextWriter output)
    {
        using var world = World.Create();
        var random = new Random(1234);
        for (int i = 0; i < entityCount; i++)
        {
            world.Create(
                new Position { Value = new Vector2((float)random.NextDouble() * 200f - 100f, (float)random.NextDouble() * 200f - 100f) },
                new Velocity { Value = new Vector2((float)random.NextDouble() * 20f - 10f, (float)random.NextDouble() * 20f - 10f) },
                new Lifetime { Remaining = (float)random.NextDouble() * 10f });
        }

        var lifetimes = new LifetimeSystem(world, seed: 99);
        using var group = new Group<float>(
            "Simulation",
            new MovementSystem(world),
            new ArenaBoundsSystem(world, halfExtent: 100f),
            lifetimes);
        group.Initialize();

        float deltaTime = 1f / 60f;
        for (int tick = 0; tick < ticks; tick++)
        {
            group.Tick(in deltaTime);
        }

        var all = new QueryDescription().WithAll<Position, Velocity, Lifetime>();
        int alive = world.CountEntities(in all);
        output.WriteLine($"Local simulation: {entityCount} asteroids, {ticks} ticks at 60 Hz, {lifetimes.Respawned} respawned, {alive} alive.");
        output.WriteLine($"{"system",-22} {"avg ms",10} {"last ms",10} {"last B",10}");
        foreach (var (depth, profile) in group.WalkProfiles())
        {
            string name = new string(' ', depth * 2) + profile.Name;
            output.WriteLine($"{name,-22} {profile.AverageMilliseconds,10:F3} {profile.LastElapsed.TotalMilliseconds,10:F3} {profile.LastAllocatedBytes,10}");
        }

        return alive;
    }
}
