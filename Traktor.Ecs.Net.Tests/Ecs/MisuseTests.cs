namespace Traktor.Ecs.Net.Tests.Ecs;

public class MisuseTests
{
    private static void AssertNames(Exception ex, Entity entity, string? component)
    {
        Assert.Contains(entity.ToString(), ex.Message);
        if (component is not null)
        {
            Assert.Contains(component, ex.Message);
        }
    }

    public static TheoryData<string> DeadEntityOperations => new() { "Get", "Set", "Has", "Add", "Remove", "Destroy", "GetArchetype" };

    private static void Run(World world, string operation, Entity e)
    {
        switch (operation)
        {
            case "Get": world.Get<Health>(e); break;
            case "Set": world.Set(e, new Health()); break;
            case "Has": world.Has<Health>(e); break;
            case "Add": world.Add(e, new Health()); break;
            case "Remove": world.Remove<Health>(e); break;
            case "Destroy": world.Destroy(e); break;
            case "GetArchetype": world.GetArchetype(e); break;
            default: throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    [Theory]
    [MemberData(nameof(DeadEntityOperations))]
    public void Dead_stale_and_null_entities_are_rejected_by_name(string operation)
    {
        using var world = World.Create();
        var dead = world.Create(new Health(1, 1));
        world.Destroy(dead);
        var stale = world.Create(new Health(2, 2));
        world.Destroy(stale);
        var occupant = world.Create(new Health(3, 3)); // reuses the id of 'stale' with a newer version
        Assert.Equal(stale.Id, occupant.Id);

        foreach (var handle in new[] { stale, Entity.Null, new Entity(12345, world.Id, 1), new Entity(12345, world.Id) })
        {
            var ex = Assert.Throws<EntityNotAliveException>(() => Run(world, operation, handle));
            Assert.Equal(handle, ex.Entity);
            AssertNames(ex, handle, operation is "Destroy" or "GetArchetype" ? null : nameof(Health));
            Assert.Contains(operation, ex.Message);
        }

        Assert.Equal(new Health(3, 3), world.Get<Health>(occupant));
        Assert.Equal(1, world.Size);
    }

    [Fact]
    public void Missing_component_is_reported_with_entity_and_type()
    {
        using var world = World.Create();
        var e = world.Create(new Position(1, 1));

        var get = Assert.Throws<ComponentNotFoundException>(() => world.Get<Health>(e));
        Assert.Equal(typeof(Health), get.ComponentType);
        Assert.Equal(e, get.Entity);
        AssertNames(get, e, nameof(Health));

        AssertNames(Assert.Throws<ComponentNotFoundException>(() => world.Set(e, new Health())), e, nameof(Health));
        AssertNames(Assert.Throws<ComponentNotFoundException>(() => world.Remove<Health>(e)), e, nameof(Health));
        Assert.False(world.TryGet<Health>(e, out _));
        Assert.Equal(new Position(1, 1), world.Get<Position>(e));
        Assert.Single(world.GetArchetype(e).Types);
    }

    [Fact]
    public void Duplicate_add_is_rejected_and_keeps_the_old_value()
    {
        using var world = World.Create();
        var e = world.Create(new Health(1, 1), new Position(2, 2));
        var ex = Assert.Throws<DuplicateComponentException>(() => world.Add(e, new Health(9, 9)));
        Assert.Equal(e, ex.Entity);
        Assert.Equal(typeof(Health), ex.ComponentType);
        AssertNames(ex, e, nameof(Health));
        Assert.Equal(new Health(1, 1), world.Get<Health>(e));
        Assert.Equal(new Position(2, 2), world.Get<Position>(e));
    }

    [Fact]
    public void Changes_that_cannot_be_deferred_throw_inside_a_query_and_change_nothing()
    {
        using var world = World.Create();
        var a = world.Create(new Health(1, 1));
        var desc = new QueryDescription().WithAll<Health>();
        var errors = new List<StructuralChangeDuringQueryException>();

        world.Query(in desc, (Entity e, ref Health h) =>
        {
            errors.Add(Assert.Throws<StructuralChangeDuringQueryException>(() => world.Add(in desc, new Mass(1))));
            errors.Add(Assert.Throws<StructuralChangeDuringQueryException>(() => world.Destroy(in desc)));
            errors.Add(Assert.Throws<StructuralChangeDuringQueryException>(() => world.TrimExcess()));
            errors.Add(Assert.Throws<StructuralChangeDuringQueryException>(() => world.Clear()));
            h.Value += 10; // writes are fine
        });

        Assert.Equal(4, errors.Count);
        Assert.All(errors, ex => Assert.Contains("CommandBuffer", ex.Message));
        Assert.Equal(1, world.Size);
        Assert.Equal(new Health(11, 1), world.Get<Health>(a));
        Assert.False(world.Has<Mass>(a));
        Assert.False(world.IsIterating);
    }

    [Fact]
    public void Structural_changes_inside_a_parallel_query_throw_with_entity_and_type()
    {
        using var world = World.Create();
        var e = world.Create(new Health(1, 1));
        var desc = new QueryDescription().WithAll<Health>();

        var add = Assert.Throws<StructuralChangeDuringQueryException>(() =>
            world.ParallelQuery(in desc, (Entity entity, ref Health _) => world.Add(entity, new Team(1))));
        AssertNames(add, e, nameof(Team));
        Assert.Throws<StructuralChangeDuringQueryException>(() => world.ParallelQuery(in desc, (Entity _) => world.Create(new Mass(1))));
        Assert.False(world.IsIterating);
        Assert.Equal(1, world.Size);
        Assert.False(world.Has<Team>(e));
    }

    [Fact]
    public void Query_callback_type_missing_from_a_matched_archetype_is_named()
    {
        using var world = World.Create();
        world.Create(new Position(1, 1));
        var desc = new QueryDescription().WithAll<Position>();

        var ex = Assert.Throws<ComponentNotFoundException>(() => world.Query(in desc, (ref Position p, ref Velocity v) => { }));
        Assert.Equal(typeof(Velocity), ex.ComponentType);
        Assert.Contains(nameof(Velocity), ex.Message);
        Assert.Contains(nameof(Position), ex.Message); // the archetype it reached
        Assert.False(world.IsIterating);

        var inline = new CountVelocity();
        Assert.Throws<ComponentNotFoundException>(() => world.InlineQuery<CountVelocity, Velocity>(in desc, ref inline));
        Assert.Equal(0, inline.Count);

        foreach (var chunk in world.Query(in desc))
        {
            Assert.False(chunk.Has<Velocity>());
            var copy = chunk;
            var span = Assert.Throws<ComponentNotFoundException>(() => { copy.GetSpan<Velocity>(); });
            Assert.Contains(nameof(Velocity), span.Message);
        }
    }

    private struct CountVelocity : IForEach<Velocity>
    {
        public int Count;

        public void Update(ref Velocity v) => Count++;
    }

    [Fact]
    public void Create_naming_a_component_twice_is_an_ecs_error()
    {
        using var world = World.Create();
        var generic = Assert.ThrowsAny<EcsException>(() => world.Create(new Mass(1), new Mass(2)));
        Assert.Contains(nameof(Mass), generic.Message);
        Assert.ThrowsAny<EcsException>(() => world.Create(new Mass(1), new Mass(2))); // again: not a poisoned type initializer
        Assert.ThrowsAny<EcsException>(() => world.Create(new Team(1), new Mass(1), new Team(2)));

        Assert.Throws<EcsException>(() => world.Create(Component<Team>.ComponentType, Component<Team>.ComponentType));
        Assert.Equal(0, world.Size);
    }

    [Fact]
    public void Using_a_destroyed_world_throws_object_disposed()
    {
        var world = World.Create();
        var e = world.Create(new Mass(1));
        world.Dispose();

        Assert.Throws<ObjectDisposedException>(() => world.Create(new Mass(2)));
        Assert.Throws<ObjectDisposedException>(() => world.Create());
        Assert.Throws<EntityNotAliveException>(() => world.Get<Mass>(e));
        Assert.False(world.IsAlive(e));
    }
}
