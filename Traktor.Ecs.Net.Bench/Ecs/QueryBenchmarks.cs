using BenchmarkDotNet.Attributes;
using Traktor.Ecs;

namespace Traktor.Ecs.Net.Bench.Ecs;

/// <summary>
/// Iterating 1M entities with Position+Velocity (position += velocity * dt), six ways (two of them
/// spread over worker threads), against a hand-written loop over two plain struct arrays holding the same data.
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    private const int EntityCount = 1_000_000;
    private const float DeltaTime = 1f / 60f;

    private readonly QueryDescription movers = new QueryDescription().WithAll<Position, Velocity>();
    private World world = null!;
    private Position[] positions = null!;
    private Velocity[] velocities = null!;

    [GlobalSetup]
    public void Setup()
    {
        world = World.Create();
        positions = new Position[EntityCount];
        velocities = new Velocity[EntityCount];
        for (int i = 0; i < EntityCount; i++)
        {
            var velocity = new Velocity { X = i % 7, Y = 1, Z = -(i % 3) };
            world.Create(new Position(), velocity);
            velocities[i] = velocity;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => World.Destroy(world);

    [Benchmark(Baseline = true, Description = "raw struct arrays")]
    public void RawArrays()
    {
        var p = positions;
        var v = velocities;
        for (int i = 0; i < p.Length && i < v.Length; i++)
        {
            ref var position = ref p[i];
            ref readonly var velocity = ref v[i];
            position.X += velocity.X * DeltaTime;
            position.Y += velocity.Y * DeltaTime;
            position.Z += velocity.Z * DeltaTime;
        }
    }

    [Benchmark(Description = "inline IForEach query")]
    public void InlineQuery()
    {
        var mover = new Mover();
        world.InlineQuery<Mover, Position, Velocity>(in movers, ref mover);
    }

    [Benchmark(Description = "parallel inline query")]
    public void ParallelInlineQuery()
    {
        var mover = new Mover();
        world.InlineParallelQuery<Mover, Position, Velocity>(in movers, ref mover);
    }

    [Benchmark(Description = "parallel delegate query")]
    public void ParallelDelegateQuery()
    {
        world.ParallelQuery(in movers, static (ref Position position, ref Velocity velocity) =>
        {
            position.X += velocity.X * DeltaTime;
            position.Y += velocity.Y * DeltaTime;
            position.Z += velocity.Z * DeltaTime;
        });
    }

    [Benchmark(Description = "delegate query")]
    public void DelegateQuery()
    {
        world.Query(in movers, static (ref Position position, ref Velocity velocity) =>
        {
            position.X += velocity.X * DeltaTime;
            position.Y += velocity.Y * DeltaTime;
            position.Z += velocity.Z * DeltaTime;
        });
    }

    [Benchmark(Description = "chunk spans")]
    public void ChunkSpans()
    {
        foreach (ref var chunk in world.Query(in movers))
        {
            var p = chunk.GetSpan<Position>();
            var v = chunk.GetReadOnlySpan<Velocity>();
            for (int i = 0; i < p.Length && i < v.Length; i++)
            {
                ref var position = ref p[i];
                position.X += v[i].X * DeltaTime;
                position.Y += v[i].Y * DeltaTime;
                position.Z += v[i].Z * DeltaTime;
            }
        }
    }

    private struct Mover : IForEach<Position, Velocity>
    {
        public readonly void Update(ref Position position, ref Velocity velocity)
        {
            position.X += velocity.X * DeltaTime;
            position.Y += velocity.Y * DeltaTime;
            position.Z += velocity.Z * DeltaTime;
        }
    }
}
