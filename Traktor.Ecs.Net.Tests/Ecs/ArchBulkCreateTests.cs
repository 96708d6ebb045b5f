namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Arch 2.x's bulk create shapes: <c>world.Create(amount, values…)</c>, <c>Create(Span&lt;Entity&gt;, signature, amount)</c>, <c>EnsureCapacity&lt;…&gt;(amount)</c>.</summary>
public class ArchBulkCreateTests
{
    [Fact]
    public void Create_with_an_amount_first_creates_that_many_entities_not_one_with_an_int_component()
    {
        using var world = World.Create();
        var all = new QueryDescription().WithAll<Position, Velocity>();

        // Regression: this bound to Create<int, Position, Velocity>(in …) and made ONE entity with an int component.
        world.Create(100, new Position(1, 2), new Velocity(3, 4));

        Assert.Equal(100, world.Size);
        Assert.Equal(100, world.CountEntities(in all));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<int>()));
        world.Query(in all, (ref Position p, ref Velocity v) =>
        {
            Assert.Equal(new Position(1, 2), p);
            Assert.Equal(new Velocity(3, 4), v);
        });
    }

    [Fact]
    public void Every_arity_of_the_bulk_create_binds_as_Arch_and_defaults_omitted_values()
    {
        using var world = World.Create();
        int amount = 7;

        world.Create(amount, new Position(1, 1));
        world.Create<Health>(amount);                                   // Arch: 7 entities with a default Health
        world.Create(amount, new Mass(2), new Team(3), new Label("x", 4));
        world.Create(amount, new Position(5, 5), new Velocity(6, 6), new Health(7, 7), new Mass(8), new Team(9), new Label("y", 10));

        Assert.Equal(4 * amount, world.Size);
        Assert.Equal(amount, world.CountEntities(new QueryDescription { Exclusive = [typeof(Position)] }));
        Assert.Equal(amount, world.CountEntities(new QueryDescription { Exclusive = [typeof(Health)] }));
        Assert.Equal(amount, world.CountEntities(new QueryDescription { Exclusive = [typeof(Mass), typeof(Team), typeof(Label)] }));
        Assert.Equal(amount, world.CountEntities(new QueryDescription().WithAll<Position, Velocity, Health, Mass, Team, Label>()));
        world.Query(new QueryDescription { Exclusive = [typeof(Health)] }, (ref Health h) => Assert.Equal(default, h));
        world.Query(new QueryDescription().WithAll<Label, Velocity>(), (ref Label l) => Assert.Equal(new Label("y", 10), l));

        world.Create(0, new Position(1, 1));
        Assert.Equal(4 * amount, world.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Create(-1, new Position(1, 1)));
        Assert.Throws<EcsException>(() => world.Create(2, new Position(), new Position()));
        Assert.Equal(4 * amount, world.Size);
    }

    [Fact]
    public void Bulk_create_inside_a_query_is_deferred_like_single_creates()
    {
        using var world = World.Create();
        world.Create(3, new Position(0, 0));
        int visited = 0;

        world.Query(new QueryDescription().WithAll<Position>(), (ref Position _) =>
        {
            visited++;
            world.Create(2, new Position(9, 9));
        });

        Assert.Equal(3, visited);
        Assert.Equal(9, world.Size);
        Assert.Equal(9, world.CountEntities(new QueryDescription().WithAll<Position>()));
    }

    [Fact]
    public void Create_into_a_span_by_signature_writes_live_handles_with_default_components()
    {
        using var world = World.Create();
        Signature signature = new ComponentType[] { typeof(Position), typeof(Health) };
        var created = new Entity[10];

        world.Create(created, in signature, 8);

        Assert.Equal(8, world.Size);
        Assert.All(created.AsSpan(0, 8).ToArray(), e =>
        {
            Assert.True(world.IsAlive(e));
            Assert.Equal(default, world.Get<Position>(e));
            Assert.True(world.Has<Health>(e));
        });
        Assert.Equal(8, created.Take(8).Distinct().Count());
        Assert.Equal(Entity.Null, created[8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Create(created, in signature, 11));
        world.Create(created.AsSpan(8), signature, 2);
        Assert.Equal(10, world.Size);
        Assert.True(world.IsAlive(created[9]));
    }

    [Fact]
    public void EnsureCapacity_of_component_types_makes_room_and_returns_their_archetype()
    {
        using var world = World.Create();

        Archetype archetype = world.EnsureCapacity<Position, Velocity>(5_000);
        int capacity = world.Capacity;
        world.Create(5_000, new Position(1, 1), new Velocity(1, 1));

        Assert.True(archetype.Capacity >= 5_000);
        Assert.Equal(capacity, world.Capacity);                        // nothing allocated while creating
        var entities = new List<Entity>();
        world.GetEntities(new QueryDescription().WithAll<Velocity>(), entities);
        Assert.All(entities, e => Assert.Same(archetype, world.GetArchetype(e)));
        Assert.Same(world.EnsureCapacity(new ComponentType[] { typeof(Velocity), typeof(Position) }, 1), archetype);
    }
}
