namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Add, set, remove and destroy on every entity a query matches (Arch's bulk operations).</summary>
public class BulkOperationTests
{
    [Fact]
    public void Add_by_query_adds_the_value_to_exactly_the_matching_entities()
    {
        using var world = World.Create();
        var plain = Enumerable.Range(0, 700).Select(i => world.Create(new Position(i, 0))).ToList();
        var healthy = Enumerable.Range(0, 300).Select(i => world.Create(new Position(i, 1), new Health(i, -1))).ToList();

        world.Add(new QueryDescription().WithNone<Health>(), new Health(100, 100));

        Assert.All(plain, e => Assert.Equal(new Health(100, 100), world.Get<Health>(e)));
        Assert.All(healthy, e => Assert.Equal(-1, world.Get<Health>(e).Max));
        Assert.All(plain.Concat(healthy), e => Assert.Equal(plain.Contains(e) ? 0 : 1, world.Get<Position>(e).Y));
        Assert.Equal(1_000, world.CountEntities(new QueryDescription().WithAll<Health>()));
    }

    [Fact]
    public void Add_by_query_whose_target_archetype_also_matches_visits_each_entity_once()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 500).Select(i => world.Create(new Position(i, i))).ToList();

        // The query matches the archetype the entities move into: they must not be visited twice.
        world.Add(new QueryDescription().WithAll<Position>(), new Mass(3));
        Assert.All(entities, e => Assert.Equal(new Mass(3), world.Get<Mass>(e)));
        Assert.Throws<DuplicateComponentException>(() => world.Add(new QueryDescription().WithAll<Position>(), new Mass(4)));
    }

    [Fact]
    public void Set_by_query_overwrites_and_marks_the_columns_changed()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 2_000).Select(i => world.Create(new Health(i, i))).ToList();
        uint seen = world.ChangeVersion;
        world.AdvanceChangeVersion();

        world.Set(new QueryDescription().WithAll<Health>(), new Health(7, 7));

        Assert.All(entities, e => Assert.Equal(new Health(7, 7), world.Get<Health>(e)));
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Health>()))
        {
            Assert.True(chunk.HasChangedSince<Health>(seen));
        }

        Assert.Throws<ComponentNotFoundException>(() => world.Set(new QueryDescription().WithAny<Health>(), new Position()));
    }

    [Fact]
    public void Remove_by_query_and_destroy_by_query_leave_the_others_untouched()
    {
        using var world = World.Create();
        var tagged = Enumerable.Range(0, 600).Select(i => world.Create(new Position(i, 0), new Team(1))).ToList();
        var others = Enumerable.Range(0, 400).Select(i => world.Create(new Position(i, 2))).ToList();

        world.Remove<Team>(new QueryDescription().WithAll<Team>());
        Assert.All(tagged, e => Assert.False(world.Has<Team>(e)));
        Assert.All(tagged, (e, i) => Assert.Equal(new Position(i, 0), world.Get<Position>(e)));

        world.Destroy(new QueryDescription().WithAll<Position>().WithNone<Team>().WithAny<Position>());
        Assert.Equal(0, world.Size);
        Assert.All(others, e => Assert.False(world.IsAlive(e)));
    }

    [Fact]
    public void Bulk_structural_changes_inside_a_query_throw()
    {
        using var world = World.Create();
        world.Create(new Position());
        var all = new QueryDescription().WithAll<Position>();
        world.Query(in all, (Entity _) =>
        {
            Assert.Throws<StructuralChangeDuringQueryException>(() => world.Add(in all, new Mass()));
            Assert.Throws<StructuralChangeDuringQueryException>(() => world.Remove<Position>(in all));
            Assert.Throws<StructuralChangeDuringQueryException>(() => world.Destroy(in all));
        });
        Assert.Equal(1, world.Size);
    }
}
