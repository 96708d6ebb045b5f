namespace Traktor.Ecs.Net.Tests.Ecs;

public class EntityLifecycleTests
{
    [Fact]
    public void Created_entities_are_alive_distinct_and_counted()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 100).Select(i => world.Create(new Position(i, -i))).ToList();

        Assert.Equal(100, world.Size);
        Assert.Equal(100, entities.Distinct().Count());
        Assert.All(entities, e => Assert.True(world.IsAlive(e)));
        Assert.All(entities, e => Assert.Equal(1, e.Version));
        Assert.Equal(Enumerable.Range(0, 100), entities.Select(e => e.Id)); // ids from 0, as in Arch
        Assert.DoesNotContain(Entity.Null, entities);
    }

    [Fact]
    public void Destroyed_id_is_recycled_with_version_plus_one()
    {
        using var world = World.Create();
        var first = world.Create(new Health(1, 1));
        world.Destroy(first);
        var second = world.Create(new Health(2, 2));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Version + 1, second.Version);
        Assert.False(world.IsAlive(first));
        Assert.True(world.IsAlive(second));
        Assert.NotEqual(first, second);
        Assert.Equal(new Health(2, 2), world.Get<Health>(second));
    }

    [Fact]
    public void Each_recycling_of_a_slot_bumps_its_version_again()
    {
        using var world = World.Create();
        var handles = new List<Entity>();
        var entity = world.Create();
        for (int i = 0; i < 5; i++)
        {
            handles.Add(entity);
            world.Destroy(entity);
            entity = world.Create();
        }

        Assert.All(handles, h => Assert.Equal(entity.Id, h.Id));
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, handles.Select(h => h.Version));
        Assert.Equal(6, entity.Version);
        Assert.All(handles, h => Assert.False(world.IsAlive(h)));
        Assert.True(world.IsAlive(entity));
        Assert.Equal(1, world.Size);
    }

    [Fact]
    public void Stale_handle_does_not_reach_the_new_occupant()
    {
        using var world = World.Create();
        var stale = world.Create(new Health(10, 10));
        world.Destroy(stale);
        var fresh = world.Create(new Health(99, 99));

        Assert.False(world.TryGet<Health>(stale, out _));
        Assert.Throws<EntityNotAliveException>(() => world.Get<Health>(stale));
        Assert.Throws<EntityNotAliveException>(() => world.Destroy(stale));
        Assert.True(world.IsAlive(fresh));
        Assert.Equal(new Health(99, 99), world.Get<Health>(fresh));
    }

    [Fact]
    public void Ids_start_at_0_and_a_hand_built_handle_reaches_the_current_occupant()
    {
        using var world = World.Create();
        var first = world.Create(new Health(1, 1));
        Assert.Equal(0, first.Id);
        Assert.Equal(1, first.Version);
        var byHand = new Entity(0, world.Id); // Arch's shape: id and world, no version
        Assert.Equal(0, byHand.Version);
        Assert.True(world.IsAlive(byHand));
        Assert.True(byHand.IsAlive());
        Assert.Equal(new Health(1, 1), world.Get<Health>(byHand));
        Assert.Equal(first, world.Reference(byHand).Entity); // a reference captures the current version

        world.Destroy(byHand);
        Assert.False(world.IsAlive(first));
        Assert.False(world.IsAlive(byHand));
        Assert.Throws<EntityNotAliveException>(() => world.Get<Health>(byHand));

        var second = world.Create(new Health(2, 2));
        Assert.Equal((0, 2), (second.Id, second.Version));
        Assert.False(world.IsAlive(first)); // issued handles stay version-checked
        Assert.Throws<EntityNotAliveException>(() => world.Get<Health>(first));
        Assert.Equal(new Health(2, 2), world.Get<Health>(byHand)); // the hand-built one reaches the new occupant, as in Arch

        using var other = World.Create();
        other.Create(new Health(3, 3));
        Assert.Throws<WrongWorldException>(() => other.Get<Health>(byHand));
        Assert.Throws<EntityNotAliveException>(() => world.Get<Health>(new Entity(0, -1))); // -1: no world
        Assert.Equal(Entity.Null, new Entity(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Entity(0, -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Entity(0, ushort.MaxValue));
    }

    [Fact]
    public void Version_of_an_entity_counts_the_entities_that_held_its_id_as_in_Arch()
    {
        using var world = World.Create();
        var first = world.Create(new Health(1, 1));
        Assert.Equal(1, world.Version(first));
        uint changeVersion = world.ChangeVersion;
        world.Destroy(first);
        var recycled = world.Create(new Health(2, 2));
        Assert.Equal(first.Id, recycled.Id);
        Assert.Equal(2, world.Version(recycled));
        Assert.Equal(2, world.Version(new Entity(recycled.Id, world.Id))); // a hand-built handle: the occupant's version
        Assert.Equal(changeVersion, world.ChangeVersion); // the change version is a different counter
        Assert.Throws<EntityNotAliveException>(() => world.Version(first));
        using var other = World.Create();
        Assert.Throws<WrongWorldException>(() => other.Version(recycled));
    }

    [Fact]
    public void Null_entity_is_never_alive()
    {
        using var world = World.Create();
        Assert.Equal(default, Entity.Null);
        Assert.Equal(-1, Entity.Null.WorldId); // default(Entity) names no world, so it never reaches entity 0 of world 0
        Assert.False(world.IsAlive(Entity.Null));
        for (int i = 0; i < 10; i++)
        {
            world.Destroy(world.Create());
            world.Create(new Position(i, i));
        }

        Assert.False(world.IsAlive(Entity.Null));
        Assert.False(world.IsAlive(new Entity(-1, world.Id)));
        Assert.False(world.IsAlive(new Entity(int.MaxValue, world.Id)));
        var freed = world.Create();
        world.Destroy(freed);
        Assert.False(world.IsAlive(new Entity(freed.Id, world.Id, freed.Version + 1))); // the next version of a free slot is not alive yet
        Assert.False(world.IsAlive(new Entity(freed.Id, world.Id))); // nor is a free slot by hand-built (unversioned) handle
        Assert.False(world.TryGet<Position>(Entity.Null, out _));
    }

    [Fact]
    public void Size_follows_creates_and_destroys()
    {
        using var world = World.Create();
        Assert.Equal(0, world.Size);
        var entities = Enumerable.Range(0, 50).Select(_ => world.Create(new Mass(1))).ToList();
        Assert.Equal(50, world.Size);
        foreach (var e in entities.Where((_, i) => i % 3 == 0))
        {
            world.Destroy(e);
        }

        Assert.Equal(50 - 17, world.Size);
        Assert.Equal(world.Size, world.CountEntities(new QueryDescription()));
        Assert.Equal(world.Size, entities.Count(world.IsAlive));
    }

    [Fact]
    public void Create_with_up_to_six_components_stores_every_value()
    {
        using var world = World.Create();
        var e1 = world.Create(new Position(1, 2));
        var e2 = world.Create(new Position(1, 2), new Velocity(3, 4));
        var e3 = world.Create(new Position(1, 2), new Velocity(3, 4), new Health(5, 6));
        var e4 = world.Create(new Position(1, 2), new Velocity(3, 4), new Health(5, 6), new Label("four", 7));
        var e5 = world.Create(new Position(1, 2), new Velocity(3, 4), new Health(5, 6), new Label("five", 7), new Mass(8));
        var e6 = world.Create(new Position(1, 2), new Velocity(3, 4), new Health(5, 6), new Label("six", 7), new Mass(8), new Team(9));

        foreach (var e in new[] { e1, e2, e3, e4, e5, e6 })
        {
            Assert.Equal(new Position(1, 2), world.Get<Position>(e));
        }

        Assert.Equal(new Velocity(3, 4), world.Get<Velocity>(e6));
        Assert.Equal(new Health(5, 6), world.Get<Health>(e6));
        Assert.Equal(new Label("four", 7), world.Get<Label>(e4));
        Assert.Equal(new Label("six", 7), world.Get<Label>(e6));
        Assert.Equal(new Mass(8), world.Get<Mass>(e5));
        Assert.Equal(new Team(9), world.Get<Team>(e6));
        Assert.False(world.Has<Velocity>(e1));
        Assert.False(world.Has<Team>(e5));
        Assert.Equal(6, world.GetArchetype(e6).Types.Length);
        Assert.Same(world.GetArchetype(e6), world.GetArchetype(world.Create(new Team(0), new Mass(0), new Label("x", 0), new Health(), new Velocity(), new Position())));
    }

    [Fact]
    public void Create_by_component_types_gives_default_values()
    {
        using var world = World.Create();
        var e = world.Create(Component<Position>.ComponentType, Component<Label>.ComponentType);
        Assert.Equal(default, world.Get<Position>(e));
        Assert.Equal(default, world.Get<Label>(e));
        Assert.False(world.Has<Health>(e));

        var empty = world.Create();
        Assert.True(world.IsAlive(empty));
        Assert.Empty(world.GetArchetype(empty).Types);
    }

    [Fact]
    public void Entities_of_two_worlds_are_independent()
    {
        using var a = World.Create();
        using var b = World.Create();
        var ea = a.Create(new Health(1, 1));
        var eb = b.Create(new Health(2, 2));
        a.Destroy(ea);

        Assert.NotEqual(a.Id, b.Id);
        Assert.True(b.IsAlive(eb));
        Assert.Equal(new Health(2, 2), b.Get<Health>(eb));
        Assert.Equal(0, a.Size);
        Assert.Equal(1, b.Size);
    }

    [Fact]
    public void Destroying_the_world_releases_entities()
    {
        var world = World.Create();
        var e = world.Create(new Position(1, 1));
        World.Destroy(world);

        Assert.Equal(0, world.Size);
        Assert.False(world.IsAlive(e));
    }
}
