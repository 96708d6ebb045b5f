namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Parallel queries visit every matching entity exactly once, on several threads, without allocating.</summary>
public class ParallelQueryTests
{
    private static readonly QueryDescription Movers = new QueryDescription().WithAll<Position, Velocity>();

    private static World Populate(int count)
    {
        var world = World.Create();
        world.ParallelQueryThreads = 4; // more threads than this machine's cores is fine: correctness, not speed
        for (int i = 0; i < count; i++)
        {
            world.Create(new Position(i, 0), new Velocity(1, 2));
            world.Create(new Position(i, 0)); // does not match
        }

        return world;
    }

    [Fact]
    public void Every_matching_entity_is_written_exactly_once()
    {
        using var world = Populate(20_000);
        world.ParallelQuery(in Movers, (ref Position p, ref Velocity v) => p = new Position(p.X + (float)v.Dx, p.Y + 1));
        var mover = new Mover();
        world.InlineParallelQuery<Mover, Position, Velocity>(in Movers, ref mover);

        int checkedCount = 0;
        world.Query(in Movers, (ref Position p, ref Velocity _) =>
        {
            Assert.Equal(2, p.Y);
            checkedCount++;
        });
        Assert.Equal(20_000, checkedCount);
        world.Query(new QueryDescription().WithAll<Position>().WithNone<Velocity>(), (ref Position p) => Assert.Equal(0, p.Y));
    }

    [Fact]
    public void Entity_variants_see_each_entity_once_across_threads()
    {
        using var world = Populate(10_000);
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<Entity, int>();
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        world.ParallelQuery(in Movers, (Entity e, ref Position _, ref Velocity _) =>
        {
            seen.AddOrUpdate(e, 1, (_, n) => n + 1);
            threads.TryAdd(Environment.CurrentManagedThreadId, true);
        });
        Assert.Equal(10_000, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));

        int all = 0;
        world.ParallelQuery(new QueryDescription().WithAll<Position>(), (Entity _) => Interlocked.Increment(ref all));
        Assert.Equal(20_000, all);

        var counter = new EntityCounter();
        world.InlineParallelEntityQuery<EntityCounter, Position>(new QueryDescription().WithAll<Position>(), ref counter);
        world.InlineParallelQuery<EntityCounter>(new QueryDescription().WithAll<Position>());
        Assert.Equal(40_000, EntityCounter.Total);
    }

    [Fact]
    public void A_failing_callback_rethrows_on_the_caller_and_the_world_stays_usable()
    {
        using var world = Populate(5_000);
        var error = Assert.Throws<InvalidOperationException>(() =>
            world.ParallelQuery(in Movers, (ref Position p, ref Velocity _) =>
            {
                if (p.X == 4_321)
                {
                    throw new InvalidOperationException("boom");
                }
            }));
        Assert.Equal("boom", error.Message);
        Assert.False(world.IsIterating);

        // Structural changes from worker threads are refused like any other change during a query.
        Assert.Throws<StructuralChangeDuringQueryException>(() =>
            world.ParallelQuery(in Movers, (Entity e, ref Position _, ref Velocity _) => world.Destroy(e)));
        Assert.Throws<EcsException>(() =>
            world.ParallelQuery(in Movers, (Entity _) => world.ParallelQuery(in Movers, (Entity _) => { })));
        world.Create(new Position(), new Velocity());
        Assert.Equal(5_001, world.CountEntities(in Movers));
    }

    [Fact]
    public void Disposing_or_dropping_a_world_ends_its_worker_threads()
    {
        var disposed = Populate(1_000);
        disposed.ParallelQuery(in Movers, (Entity _) => { });
        var workers = disposed.ParallelRunnerIfCreated!.Workers;
        Assert.Equal(3, workers.Count);
        disposed.Dispose();
        Assert.All(workers, t => Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a worker outlived Dispose"));

        var dropped = RunAndDrop();
        for (int i = 0; i < 5 && dropped.Any(t => t.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            foreach (var thread in dropped)
            {
                thread.Join(TimeSpan.FromSeconds(1));
            }
        }

        Assert.All(dropped, t => Assert.False(t.IsAlive, "a worker outlived its world, dropped without Dispose"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IReadOnlyList<Thread> RunAndDrop()
    {
        var world = Populate(1_000);
        world.ParallelQuery(in Movers, (Entity _) => { });
        return world.ParallelRunnerIfCreated!.Workers;
    }

    [Fact]
    public void One_thread_runs_everything_on_the_caller()
    {
        using var world = World.Create();
        world.ParallelQueryThreads = 1;
        for (int i = 0; i < 3_000; i++)
        {
            world.Create(new Position(i, 0), new Velocity(0, 0));
        }

        var threads = new HashSet<int>();
        world.ParallelQuery(in Movers, (Entity _) => threads.Add(Environment.CurrentManagedThreadId));
        Assert.Equal([Environment.CurrentManagedThreadId], threads);
    }

    internal struct Mover : IForEach<Position, Velocity>
    {
        public readonly void Update(ref Position position, ref Velocity velocity) => position = new Position(position.X, position.Y + 1);
    }

    private struct EntityCounter : IForEachWithEntity<Position>, IForEach
    {
        public static int Total;

        public readonly void Update(Entity entity, ref Position position) => Interlocked.Increment(ref Total);

        public readonly void Update(Entity entity) => Interlocked.Increment(ref Total);
    }
}

/// <summary>Counts every thread's allocations, so it runs alone (no other test allocating meanwhile).</summary>
[Collection(nameof(Transport.MemoryMeasuringTests))]
public class ParallelQueryAllocationTests
{
    private static readonly QueryDescription Movers = new QueryDescription().WithAll<Position, Velocity>();

    [Fact]
    public void A_warm_parallel_query_allocates_nothing_on_any_thread()
    {
        using var world = World.Create();
        world.ParallelQueryThreads = 4;
        for (int i = 0; i < 50_000; i++)
        {
            world.Create(new Position(i, 0), new Velocity(1, 2));
        }

        var mover = new ParallelQueryTests.Mover();
        for (int i = 0; i < 5; i++)
        {
            world.InlineParallelQuery<ParallelQueryTests.Mover, Position, Velocity>(in Movers, ref mover);
        }

        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 50; i++)
        {
            world.InlineParallelQuery<ParallelQueryTests.Mover, Position, Velocity>(in Movers, ref mover);
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        // One allocation per query would be at least 24 B each; the slack is for the test host's own threads.
        Assert.True(allocated < 50 * 24, $"50 warm parallel queries allocated {allocated} B");
    }
}
