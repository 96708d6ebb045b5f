using BenchmarkDotNet.Attributes;
using Traktor.Ecs;

namespace Traktor.Ecs.Net.Bench.Ecs;

/// <summary>Structural changes on 100k entities: create + destroy, and add + remove of a component.</summary>
[MemoryDiagnoser]
public class StructuralBenchmarks
{
    private const int EntityCount = 100_000;

    private readonly Entity[] entities = new Entity[EntityCount];
    private readonly Entity[] scratch = new Entity[EntityCount];
    private World world = null!;

    [GlobalSetup]
    public void Setup()
    {
        world = World.Create();

        // Warm the archetypes, chunk arrays and id free-list so the measured rounds reuse them.
        CreateDestroy();
        for (int i = 0; i < EntityCount; i++)
        {
            entities[i] = world.Create(new Position(), new Velocity());
        }

        AddRemove();
    }

    [GlobalCleanup]
    public void Cleanup() => World.Destroy(world);

    [Benchmark(Description = "create+destroy 100k (Position, Velocity)", OperationsPerInvoke = EntityCount)]
    public void CreateDestroy()
    {
        var created = scratch.AsSpan();
        for (int i = 0; i < created.Length; i++)
        {
            created[i] = world.Create(new Position { X = i }, new Velocity());
        }

        for (int i = 0; i < created.Length; i++)
        {
            world.Destroy(created[i]);
        }
    }

    [Benchmark(Description = "add+remove a component on 100k", OperationsPerInvoke = EntityCount)]
    public void AddRemove()
    {
        foreach (var entity in entities.AsSpan())
        {
            if (entity != Entity.Null)
            {
                world.Add(entity, new Frozen { Since = 1 });
            }
        }

        foreach (var entity in entities.AsSpan())
        {
            if (entity != Entity.Null)
            {
                world.Remove<Frozen>(entity);
            }
        }
    }
}
