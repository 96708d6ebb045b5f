namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Operations by <see cref="ComponentType"/> or boxed value, for code that learns types at run time.</summary>
public class NonGenericTests
{
    [Fact]
    public void Has_Get_TryGet_and_Set_by_type_match_the_generic_forms()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2), new Label("a", 3));

        Assert.True(world.Has(entity, typeof(Position)));
        Assert.False(world.Has(entity, typeof(Health)));
        Assert.True(world.HasRange(entity, typeof(Position), typeof(Label)));
        Assert.False(world.HasRange(entity, typeof(Position), typeof(Health)));
        Assert.Equal(new Position(1, 2), world.Get(entity, typeof(Position)));
        Assert.Equal([new Label("a", 3), new Position(1, 2)], world.GetRange(entity, typeof(Label), typeof(Position)));
        Assert.True(world.TryGet(entity, typeof(Label), out var label) && label is Label { Text: "a" });
        Assert.False(world.TryGet(entity, typeof(Health), out var missing));
        Assert.Null(missing);

        world.Set(entity, (object)new Position(5, 6));
        world.SetRange(entity, new Label("b", 7));
        Assert.Equal(new Position(5, 6), world.Get<Position>(entity));
        Assert.Equal(new Label("b", 7), world.Get<Label>(entity));
        Assert.Throws<ComponentNotFoundException>(() => world.Get(entity, typeof(Health)));
        Assert.Throws<ComponentNotFoundException>(() => world.Set(entity, (object)new Health()));
    }

    [Fact]
    public void Add_and_Remove_by_value_or_type_move_the_entity()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2));

        world.Add(entity, (object)new Health(3, 4));
        world.AddRange(entity, new Mass(5), new Team(6));
        world.AddRange(entity, typeof(Velocity));
        Assert.Equal(new Health(3, 4), world.Get<Health>(entity));
        Assert.Equal(new Team(6), world.Get<Team>(entity));
        Assert.Equal(default, world.Get<Velocity>(entity));
        Assert.Equal(new Position(1, 2), world.Get<Position>(entity));
        Assert.Throws<DuplicateComponentException>(() => world.Add(entity, (object)new Mass(9)));

        world.Remove(entity, typeof(Health));
        world.RemoveRange(entity, typeof(Mass), typeof(Team));
        world.RemoveRange(entity, new List<ComponentType> { typeof(Velocity) });
        Assert.Equal([typeof(Position)], world.GetComponentTypes(entity).Select(t => t.Type));
        Assert.Throws<ComponentNotFoundException>(() => world.Remove(entity, typeof(Health)));
    }

    [Fact]
    public void Entity_extensions_offer_the_same_non_generic_operations()
    {
        using var world = World.Create();
        var entity = world.Create();

        entity.AddRange(new List<ComponentType> { typeof(Position), typeof(Health) });
        Assert.True(entity.HasRange(typeof(Position), typeof(Health)));
        entity.Set((object)new Position(1, 1));
        Assert.Equal(new Position(1, 1), entity.Get(typeof(Position)));
        entity.RemoveRange(typeof(Position), typeof(Health));
        Assert.False(entity.Has(typeof(Position)));

        entity.AddRange(new Mass(2), new Team(3));
        entity.Add((object)new Label("c", 4));
        entity.SetRange(new Mass(20));
        Assert.Equal([new Mass(20), new Team(3)], entity.GetRange(typeof(Mass), typeof(Team)));
        entity.Remove(typeof(Label));
        Assert.Equal(2, entity.GetComponentTypes().Length);
        Assert.Equal(2, entity.GetAllComponents().Length);
    }

    [Fact]
    public void Boxed_writes_count_as_changes_and_reads_do_not()
    {
        using var world = World.Create();
        var entity = world.Create(new Position());
        uint seen = world.ChangeVersion;
        world.AdvanceChangeVersion();
        var query = world.Query(new QueryDescription().WithAll<Position>());

        world.Get(entity, typeof(Position));
        foreach (ref var chunk in query)
        {
            Assert.False(chunk.HasChangedSince<Position>(seen));
        }

        world.Set(entity, (object)new Position(1, 1));
        foreach (ref var chunk in query)
        {
            Assert.True(chunk.HasChangedSince<Position>(seen));
        }
    }
}
