namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Get, set, has, add and remove of several components in one call (Arch's generated overloads).</summary>
public class MultiComponentTests
{
    [Fact]
    public void Get_returns_live_references_to_every_component()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2), new Health(3, 4), new Mass(5));

        var refs = world.Get<Position, Health, Mass>(entity);
        refs.t0.X = 10;
        refs.t1.Value = 30;
        refs.t2 = new Mass(50);

        Assert.Equal(new Position(10, 2), world.Get<Position>(entity));
        Assert.Equal(new Health(30, 4), world.Get<Health>(entity));
        Assert.Equal(new Mass(50), world.Get<Mass>(entity));
        var viaExtension = entity.Get<Mass, Position>();
        Assert.Equal(new Mass(50), viaExtension.t0);
        Assert.Throws<ComponentNotFoundException>(() => world.Get<Position, Team>(entity));
    }

    [Fact]
    public void Set_and_Has_cover_all_named_components()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(), new Health(), new Mass(), new Team(), new Velocity(), new Label("a", 1));

        world.Set(entity, new Position(1, 1), new Health(2, 2), new Mass(3), new Team(4), new Velocity(5, 5), new Label("b", 6));
        Assert.True(world.Has<Position, Health, Mass, Team, Velocity, Label>(entity));
        Assert.False(world.Has<Position, Unused>(entity));
        Assert.Equal(new Label("b", 6), world.Get<Label>(entity));
        Assert.Equal(new Velocity(5, 5), world.Get<Velocity>(entity));

        entity.Set(new Team(9), new Mass(8));
        Assert.True(entity.Has<Team, Mass>());
        Assert.Equal(new Team(9), world.Get<Team>(entity));
        Assert.Throws<ComponentNotFoundException>(() => world.Set(entity, new Position(), new Unused(1)));
        Assert.Equal(new Position(1, 1), world.Get<Position>(entity)); // nothing was half-written
    }

    [Fact]
    public void Add_and_Remove_move_the_entity_once_and_keep_its_other_components()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2));
        var bystander = world.Create(new Position(3, 4));

        world.Add(entity, new Health(5, 6), new Label("x", 7));
        Assert.Equal(new Position(1, 2), world.Get<Position>(entity));
        Assert.Equal(new Health(5, 6), world.Get<Health>(entity));
        Assert.Equal(new Label("x", 7), world.Get<Label>(entity));
        Assert.Equal(new Position(3, 4), world.Get<Position>(bystander));

        world.Remove<Label, Health>(entity);
        Assert.False(world.Has<Health>(entity));
        Assert.False(world.Has<Label>(entity));
        Assert.Same(world.GetArchetype(bystander), world.GetArchetype(entity));

        entity.Add<Mass, Team>();
        Assert.Equal(default, world.Get<Mass>(entity));
        entity.Remove<Mass, Team>();
        Assert.Same(world.GetArchetype(bystander), world.GetArchetype(entity));
    }

    [Fact]
    public void Adding_a_component_the_entity_has_or_removing_one_it_lacks_changes_nothing()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2), new Health(3, 4));
        var archetype = world.GetArchetype(entity);

        Assert.Throws<DuplicateComponentException>(() => world.Add(entity, new Mass(1), new Health(9, 9)));
        Assert.Throws<DuplicateComponentException>(() => world.Add(entity, new Mass(1), new Mass(2)));
        Assert.Throws<ComponentNotFoundException>(() => world.Remove<Health, Mass>(entity));
        Assert.Same(archetype, world.GetArchetype(entity));
        Assert.Equal(new Health(3, 4), world.Get<Health>(entity));
    }

    [Fact]
    public void Create_without_values_gives_default_components()
    {
        using var world = World.Create();
        var recycledRow = world.Create(new Position(5, 5), new Health(5, 5));
        world.Destroy(recycledRow);

        var entity = world.Create<Position, Health>();
        Assert.Equal(default, world.Get<Position>(entity));
        Assert.Equal(default, world.Get<Health>(entity));
        Assert.True(world.Has<Mass>(world.Create<Mass>()));
    }
}
