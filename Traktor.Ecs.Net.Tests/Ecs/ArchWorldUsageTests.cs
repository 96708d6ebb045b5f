namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x world members as Arch code calls them: GetEntities into an IList or at an offset of a span, and the
/// bulk Add/Set/Remove by query description with several component types at once.
/// </summary>
public class ArchWorldUsageTests
{
    [Fact]
    public void GetEntities_fills_any_IList_and_a_span_from_a_start_index()
    {
        using var world = World.Create();
        var created = Enumerable.Range(0, 4).Select(i => world.Create(new Position(i, 0))).ToList();
        var query = new QueryDescription().WithAll<Position>();

        IList<Entity> list = new System.Collections.ObjectModel.Collection<Entity>();
        world.GetEntities(in query, list);
        Assert.Equal(created.ToHashSet(), list.ToHashSet());

        var span = new Entity[6];
        world.GetEntities(in query, span, 2);
        Assert.Equal(Entity.Null, span[0]);
        Assert.Equal(Entity.Null, span[1]);
        Assert.Equal(created.ToHashSet(), span[2..].ToHashSet());
        var array = new Entity[4];
        world.GetEntities(in query, array);          // an array fills from index 0, whichever overload binds
        Assert.Equal(created.ToHashSet(), array.ToHashSet());
        Assert.Throws<ArgumentException>(() => world.GetEntities(in query, new Entity[6], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.GetEntities(in query, new Entity[6], -1));
    }

    [Fact]
    public void Bulk_Add_Set_Remove_with_several_types_change_every_matching_entity()
    {
        using var world = World.Create();
        var matched = Enumerable.Range(0, 5).Select(i => world.Create(new Position(i, 0))).ToList();
        var other = world.Create(new Position(9, 9), new Team(1));
        var query = new QueryDescription().WithAll<Position>().WithNone<Team>();

        world.Add(in query, new Health(1, 2), new Mass(3));
        foreach (var entity in matched)
        {
            Assert.Equal(new Health(1, 2), world.Get<Health>(entity));
            Assert.Equal(new Mass(3), world.Get<Mass>(entity));
        }

        Assert.False(world.Has<Health>(other));

        world.Set(new QueryDescription().WithAll<Health, Mass>(), new Health(5, 6), new Mass(7));
        Assert.All(matched, e => Assert.Equal((new Health(5, 6), new Mass(7)), (world.Get<Health>(e), world.Get<Mass>(e))));

        world.Remove<Health, Mass>(new QueryDescription().WithAll<Health, Mass>());
        Assert.All(matched, e => Assert.False(world.Has<Health>(e) || world.Has<Mass>(e)));
        Assert.All(matched, e => Assert.Equal(e.Id, (int)world.Get<Position>(e).X));
        Assert.Equal(new Position(9, 9), world.Get<Position>(other));
    }

    [Fact]
    public void QueryDescription_With_calls_change_the_description_they_are_called_on_as_in_Arch()
    {
        using var world = World.Create();
        world.Create(new Position());
        world.Create(new Position(), new Health());
        world.Create(new Position(), new Team());
        world.Create(new Mass());

        // Arch's With… methods set the clause on the description itself and return it by reference, so the
        // statement form works. (It used to return a changed copy: these lines did nothing and the
        // description matched every entity.)
        var description = new QueryDescription();
        description.WithAll<Position>();
        description.WithNone<Team>();
        Assert.Equal(2, world.CountEntities(in description));

        description.WithAny<Health>();
        Assert.Equal(1, world.CountEntities(in description));

        var exclusive = new QueryDescription();
        exclusive.WithExclusive<Position>();
        Assert.Equal(1, world.CountEntities(in exclusive));

        // The chained forms build the same description, and a copy taken before a change keeps its clauses.
        var chained = new QueryDescription().WithAll<Position>().WithNone<Team>().WithAny<Health>();
        Assert.Equal(description, chained);
        var before = chained;
        chained.WithNone<Health>();
        Assert.NotEqual(before, chained);
        Assert.Equal(1, world.CountEntities(in before));
    }
}
