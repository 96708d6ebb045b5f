namespace Traktor.Ecs.Net.Tests.Ecs;

public class QueryTests
{
    /// <summary>A world with one entity per archetype shape, ten of each, values derived from the index.</summary>
    private static (World World, List<Entity> All) Populate()
    {
        var world = World.Create();
        var all = new List<Entity>();
        for (int i = 0; i < 10; i++)
        {
            all.Add(world.Create(new Position(i, 0)));
            all.Add(world.Create(new Position(i, 1), new Velocity(i, 1)));
            all.Add(world.Create(new Position(i, 2), new Velocity(i, 2), new Health(i, 2)));
            all.Add(world.Create(new Position(i, 3), new Velocity(i, 3), new Health(i, 3), new Mass(i)));
            all.Add(world.Create(new Velocity(i, 4), new Label("v" + i, i)));
            all.Add(world.Create(new Health(i, 5)));
            all.Add(world.Create());
        }

        return (world, all);
    }

    [Fact]
    public void All_any_none_select_the_matching_archetypes()
    {
        var (world, all) = Populate();
        using var _ = world;

        Assert.Equal(70, world.CountEntities(new QueryDescription()));
        Assert.Equal(40, world.CountEntities(new QueryDescription().WithAll<Position>()));
        Assert.Equal(30, world.CountEntities(new QueryDescription().WithAll<Position, Velocity>()));
        Assert.Equal(10, world.CountEntities(new QueryDescription().WithAll<Position, Velocity, Health, Mass>()));
        Assert.Equal(60, world.CountEntities(new QueryDescription().WithAny<Position, Velocity, Health>()));
        Assert.Equal(30, world.CountEntities(new QueryDescription().WithAny<Health, Label>().WithNone<Mass>()));
        Assert.Equal(20, world.CountEntities(new QueryDescription().WithAll<Velocity>().WithNone<Health>()));
        Assert.Equal(10, world.CountEntities(new QueryDescription().WithNone<Position, Velocity, Health, Mass, Label>().WithNone<Team>()));
        Assert.Equal(10, world.CountEntities(new QueryDescription().WithNone<Position, Velocity, Health>()));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Unused>()));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Position>().WithNone<Position>()));

        // The counts agree with a brute-force filter over the entities themselves.
        var desc = new QueryDescription().WithAll<Velocity>().WithAny<Health, Label>().WithNone<Mass>();
        int expected = all.Count(e => world.Has<Velocity>(e) && (world.Has<Health>(e) || world.Has<Label>(e)) && !world.Has<Mass>(e));
        Assert.Equal(expected, world.CountEntities(in desc));
        Assert.Equal(20, expected);
    }

    [Fact]
    public void Equal_descriptions_share_one_cached_query_that_sees_new_archetypes()
    {
        using var world = World.Create();
        var a = new QueryDescription().WithAll<Position, Velocity>();
        var b = new QueryDescription().WithAll<Velocity>().WithAll<Position>();
        var query = world.Query(in a);
        Assert.Same(query, world.Query(in b));
        Assert.Equal(a, b);
        Assert.Equal(0, query.CountEntities());

        world.Create(new Position(), new Velocity());
        world.Create(new Position(), new Velocity(), new Team());
        world.Create(new Position());
        Assert.Equal(2, query.ArchetypeCount);
        Assert.Equal(2, query.CountEntities());
    }

    [Fact]
    public void Delegate_queries_of_every_arity_visit_each_match_once_and_write_through()
    {
        var (world, all) = Populate();
        using var _ = world;
        var pv = new QueryDescription().WithAll<Position, Velocity>();
        var pvh = new QueryDescription().WithAll<Position, Velocity, Health>();
        var pvhm = new QueryDescription().WithAll<Position, Velocity, Health, Mass>();
        var p = new QueryDescription().WithAll<Position>();

        int n1 = 0, n2 = 0, n3 = 0, n4 = 0;
        world.Query(in p, (ref Position a) => { a.X += 1000; n1++; });
        world.Query(in pv, (ref Position a, ref Velocity b) => { Assert.Equal(a.Y, b.Dy); b.Dx += 1000; n2++; });
        world.Query(in pvh, (ref Position a, ref Velocity b, ref Health c) => { Assert.Equal(a.Y, c.Max); c.Value += 1000; n3++; });
        world.Query(in pvhm, (ref Position a, ref Velocity b, ref Health c, ref Mass d) => { Assert.Equal(a.X - 1000, d.Value); d.Value += 1000; n4++; });
        Assert.Equal((40, 30, 20, 10), (n1, n2, n3, n4));

        var seen = new List<Entity>();
        world.Query(in p, (Entity e, ref Position a) => seen.Add(e));
        world.Query(in pv, (Entity e, ref Position a, ref Velocity b) => Assert.Equal(world.Get<Velocity>(e), b));
        world.Query(in pvh, (Entity e, ref Position a, ref Velocity b, ref Health c) => Assert.Equal(world.Get<Health>(e), c));
        world.Query(in pvhm, (Entity e, ref Position a, ref Velocity b, ref Health c, ref Mass d) => { Assert.Equal(world.Get<Mass>(e), d); d.Value = -e.Id; });

        Assert.Equal(40, seen.Distinct().Count());
        Assert.Equal(all.Where(world.Has<Position>).OrderBy(e => e.Id), seen.OrderBy(e => e.Id));
        foreach (var e in all)
        {
            if (world.Has<Position>(e)) Assert.True(world.Get<Position>(e).X >= 1000);
            if (world.Has<Velocity>(e) && world.Has<Position>(e)) Assert.True(world.Get<Velocity>(e).Dx >= 1000);
            if (world.Has<Health>(e) && world.Has<Position>(e)) Assert.True(world.Get<Health>(e).Value >= 1000);
            if (world.Has<Mass>(e)) Assert.Equal(-e.Id, world.Get<Mass>(e).Value);
            if (!world.Has<Position>(e) && world.Has<Health>(e)) Assert.True(world.Get<Health>(e).Value < 1000);
        }
    }

    private struct AddOne : IForEach<Position>
    {
        public int Count;

        public void Update(ref Position p)
        {
            p.X += 1;
            Count++;
        }
    }

    private struct SumPv : IForEach<Position, Velocity>
    {
        public double Sum;

        public void Update(ref Position p, ref Velocity v) => Sum += p.X + v.Dx;
    }

    private struct ScaleHealth : IForEach<Position, Velocity, Health>
    {
        public void Update(ref Position p, ref Velocity v, ref Health h) => h.Max *= 2;
    }

    private struct CountFour : IForEach<Position, Velocity, Health, Mass>
    {
        public int Count;

        public void Update(ref Position p, ref Velocity v, ref Health h, ref Mass m)
        {
            m.Value = h.Value + 0.5f;
            Count++;
        }
    }

    private struct Collect : IForEachWithEntity<Position>
    {
        public List<(Entity, Position)> Seen;

        public void Update(Entity entity, ref Position p) => Seen.Add((entity, p));
    }

    private struct CheckPv : IForEachWithEntity<Position, Velocity>
    {
        public World World;
        public int Count;

        public void Update(Entity entity, ref Position p, ref Velocity v)
        {
            Assert.Equal(World.Get<Velocity>(entity), v);
            Count++;
        }
    }

    private struct StampPvh : IForEachWithEntity<Position, Velocity, Health>
    {
        public void Update(Entity entity, ref Position p, ref Velocity v, ref Health h) => h.Value = entity.Id;
    }

    private struct StampPvhm : IForEachWithEntity<Position, Velocity, Health, Mass>
    {
        public int Count;

        public void Update(Entity entity, ref Position p, ref Velocity v, ref Health h, ref Mass m)
        {
            m.Value = entity.Id * 10;
            Count++;
        }
    }

    [Fact]
    public void Inline_queries_of_every_arity_run_the_struct_callback_and_keep_its_state()
    {
        var (world, all) = Populate();
        using var _ = world;
        var p = new QueryDescription().WithAll<Position>();
        var pv = new QueryDescription().WithAll<Position, Velocity>();
        var pvh = new QueryDescription().WithAll<Position, Velocity, Health>();
        var pvhm = new QueryDescription().WithAll<Position, Velocity, Health, Mass>();
        double expectedSum = all.Where(e => world.Has<Position>(e) && world.Has<Velocity>(e))
            .Sum(e => world.Get<Position>(e).X + 1 + world.Get<Velocity>(e).Dx);

        var addOne = new AddOne();
        world.InlineQuery<AddOne, Position>(in p, ref addOne);
        var sum = new SumPv();
        world.InlineQuery<SumPv, Position, Velocity>(in pv, ref sum);
        var scale = new ScaleHealth();
        world.InlineQuery<ScaleHealth, Position, Velocity, Health>(in pvh, ref scale);
        var four = new CountFour();
        world.InlineQuery<CountFour, Position, Velocity, Health, Mass>(in pvhm, ref four);

        Assert.Equal(40, addOne.Count);
        Assert.Equal(expectedSum, sum.Sum, 6);
        Assert.Equal(10, four.Count);

        var collect = new Collect { Seen = new() };
        world.InlineEntityQuery<Collect, Position>(in p, ref collect);
        var check = new CheckPv { World = world };
        world.InlineEntityQuery<CheckPv, Position, Velocity>(in pv, ref check);
        var stamp3 = new StampPvh();
        world.InlineEntityQuery<StampPvh, Position, Velocity, Health>(in pvh, ref stamp3);
        var stamp4 = new StampPvhm();
        world.InlineEntityQuery<StampPvhm, Position, Velocity, Health, Mass>(in pvhm, ref stamp4);

        Assert.Equal(40, collect.Seen.Count);
        Assert.All(collect.Seen, s => Assert.Equal(world.Get<Position>(s.Item1), s.Item2));
        Assert.Equal(30, check.Count);
        Assert.Equal(10, stamp4.Count);
        foreach (var e in all.Where(world.Has<Position>))
        {
            if (world.Has<Health>(e))
            {
                Assert.Equal(e.Id, world.Get<Health>(e).Value);
                Assert.True(world.Get<Health>(e).Max is 4 or 6, $"Max doubled once: {world.Get<Health>(e)}");
            }

            if (world.Has<Mass>(e))
            {
                Assert.Equal(e.Id * 10, world.Get<Mass>(e).Value);
            }
        }
    }

    [Fact]
    public void Chunk_iteration_yields_exactly_the_live_entities_and_their_values()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 200).Select(i => world.Create(new Bulky(i), new Health(i, 0))).ToList();
        for (int i = 0; i < entities.Count; i += 3)
        {
            world.Destroy(entities[i]);
        }

        var live = entities.Where(world.IsAlive).ToHashSet();
        var desc = new QueryDescription().WithAll<Bulky, Health>();
        var visited = new HashSet<Entity>();
        int chunks = 0;
        foreach (ref var chunk in world.Query(in desc))
        {
            chunks++;
            Assert.True(world.IsIterating);
            var bulky = chunk.GetSpan<Bulky>();
            var health = chunk.GetReadOnlySpan<Health>();
            var ids = chunk.Entities;
            Assert.Equal(chunk.Count, bulky.Length);
            Assert.Equal(chunk.Count, health.Length);
            Assert.Equal(chunk.Count, ids.Length);
            for (int i = 0; i < chunk.Count; i++)
            {
                Assert.True(visited.Add(ids[i]));
                Assert.Equal(new Bulky(health[i].Value), bulky[i]);
                Assert.Equal(entities[health[i].Value], ids[i]);
                bulky[i].Tail = 1;
            }
        }

        Assert.False(world.IsIterating);
        Assert.True(chunks > 5);
        Assert.Equal(chunks, world.Query(in desc).Archetypes[0].ChunkCount);
        Assert.Equal(live, visited);
        Assert.Equal(live.Count, world.CountEntities(in desc));
        Assert.All(live, e => Assert.Equal(1, world.Get<Bulky>(e).Tail));
    }

    [Fact]
    public void Chunk_iteration_over_several_archetypes_and_an_empty_world()
    {
        using var world = World.Create();
        var desc = new QueryDescription().WithAll<Mass>();
        int chunks = 0;
        foreach (ref var chunk in world.Query(in desc))
        {
            chunks++;
        }

        Assert.Equal(0, chunks);
        world.Create(new Mass(1));
        world.Create(new Mass(2), new Team(1));
        var emptied = world.Create(new Mass(3), new Health());
        world.Destroy(emptied); // its archetype exists but has no chunk left to visit

        var masses = new List<float>();
        foreach (ref var chunk in world.Query(in desc))
        {
            Assert.Equal(chunk.Has<Team>(), chunk.Archetype.Types.Length == 2);
            foreach (var m in chunk.GetReadOnlySpan<Mass>())
            {
                masses.Add(m.Value);
            }
        }

        Assert.Equal(new[] { 1f, 2f }, masses.Order());
        Assert.Equal(3, world.Query(in desc).ArchetypeCount);
    }

    [Fact]
    public void Iteration_guard_is_lifted_after_an_exception_in_a_callback()
    {
        using var world = World.Create();
        world.Create(new Position());
        var desc = new QueryDescription().WithAll<Position>();
        Assert.Throws<InvalidTimeZoneException>(() => world.Query(in desc, (ref Position _) => throw new InvalidTimeZoneException()));
        Assert.False(world.IsIterating);

        try
        {
            foreach (ref var chunk in world.Query(in desc))
            {
                throw new InvalidTimeZoneException();
            }
        }
        catch (InvalidTimeZoneException)
        {
        }

        Assert.False(world.IsIterating);
        world.Create(new Position()); // structural changes allowed again
        Assert.Equal(2, world.CountEntities(in desc));
    }

    [Fact]
    public void Nested_queries_defer_structural_changes_to_the_end_of_the_outermost()
    {
        using var world = World.Create();
        var a = world.Create(new Position(1, 0), new Health(0, 0));
        var b = world.Create(new Position(2, 0));
        var outer = new QueryDescription().WithAll<Health>();
        var inner = new QueryDescription().WithAll<Position>();
        world.Query(in outer, (ref Health h) =>
        {
            float total = 0;
            world.Query(in inner, (ref Position p) => total += p.X);
            h.Value = (int)total;
            world.Set(b, new Position(5, 5));
            world.Query(in inner, (Entity e) =>
            {
                if (e == b)
                {
                    world.Add(b, new Mass(7));
                }
            });
            Assert.False(world.Has<Mass>(b)); // the inner query ended, the outer one has not
        });

        Assert.Equal(3, world.Get<Health>(a).Value);
        Assert.Equal(new Position(5, 5), world.Get<Position>(b));
        Assert.Equal(new Mass(7), world.Get<Mass>(b));
        Assert.False(world.IsIterating);
    }

    private record struct Wide<TTag>(int Value);

    /// <summary>Registers (at least) 80 component types, so some ids live in the mask's second word.</summary>
    private static ComponentType[] ManyComponentTypes() =>
        typeof(object).Assembly.GetExportedTypes()
            .Where(t => !t.IsGenericTypeDefinition && !t.IsByRefLike && !t.IsPointer && !(t.IsAbstract && t.IsSealed))
            .Take(80)
            .Select(t => (ComponentType)typeof(Component<>).MakeGenericType(typeof(Wide<>).MakeGenericType(t))
                .GetField(nameof(Component<int>.ComponentType))!.GetValue(null)!)
            .OrderBy(c => c.Id)
            .ToArray();

    [Fact]
    public void Component_ids_beyond_64_work_in_archetypes_and_queries()
    {
        var types = ManyComponentTypes();
        var low = types[0];
        var high = types[^1];
        Assert.True(high.Id >= 64, $"highest id {high.Id}");

        using var world = World.Create();
        var both = world.Create(low, high);
        var bothAgain = world.Create(high, low);
        var onlyHigh = world.Create(high);
        var onlyLow = world.Create(low);

        Assert.Same(world.GetArchetype(both), world.GetArchetype(bothAgain));
        Assert.True(world.GetArchetype(both).Mask.IsSet(high.Id));
        Assert.False(world.GetArchetype(onlyLow).Mask.IsSet(high.Id));
        Assert.Equal(3, world.CountEntities(new QueryDescription().WithAll(high)));
        Assert.Equal(2, world.CountEntities(new QueryDescription().WithAll(high, low)));
        Assert.Equal(1, world.CountEntities(new QueryDescription().WithAll(low).WithNone(high)));
        Assert.Equal(1, world.CountEntities(new QueryDescription().WithAll(high).WithNone(low)));
        Assert.Equal(4, world.CountEntities(new QueryDescription().WithAny(types[1], high, low)));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll(types[^2])));
        Assert.True(world.IsAlive(onlyHigh));
    }
}
