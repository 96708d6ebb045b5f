using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Code shaped like Arch 2.x's public API compiles and behaves as Arch documents it.</summary>
public class ArchShapeTests
{
    private static readonly ComponentType[] Group = [typeof(Position), typeof(Health)];

    [Fact]
    public void Create_with_a_ComponentType_array_creates_those_components_not_an_array_component()
    {
        using var world = World.Create();

        // Regression: this used to bind to Create<T0>(in T0) and store the array itself as the only component.
        var entity = world.Create(Group);
        var fromList = world.Create(new List<ComponentType> { typeof(Position), typeof(Health) });
        var fromTypes = world.Create(typeof(Position), typeof(Health));

        foreach (var e in new[] { entity, fromList, fromTypes })
        {
            Assert.True(world.Has<Position>(e));
            Assert.True(world.Has<Health>(e));
            Assert.False(world.Has<ComponentType[]>(e));
            Assert.Same(world.GetArchetype(entity), world.GetArchetype(e));
        }

        Assert.Equal(2, world.GetArchetype(entity).Types.Length);
    }

    [Fact]
    public void Storing_a_type_descriptor_as_a_component_is_refused_with_a_typed_exception()
    {
        using var world = World.Create();
        var entity = world.Create();

        var error = Assert.Throws<InvalidComponentTypeException>(() => world.Add(entity, typeof(Position)));
        Assert.Equal(typeof(Type), error.ComponentType);
        Assert.Throws<InvalidComponentTypeException>(() => world.Create(new List<Type> { typeof(Position) }));
        Assert.Throws<InvalidComponentTypeException>(() => world.Create(Component<Position>.ComponentType, 1));
        Assert.Equal(0, world.Archetypes.Count(a => a.Types.Any(t => t.Type == typeof(Type))));
    }

    [Fact]
    public void A_Type_converts_to_the_same_ComponentType_as_Component_of_T()
    {
        ComponentType fromType = typeof(Mass);
        Assert.Equal(Component<Mass>.ComponentType, fromType);
        Assert.Equal(Component<Mass>.Id, fromType.Id);
        Assert.True(fromType.IsValueType);

        // A type first seen through the conversion gets the id Component<T> reports later.
        ComponentType first = typeof(ConvertedFirst);
        Assert.Equal(first, Component<ConvertedFirst>.ComponentType);
        Assert.Throws<ArgumentException>(() => { ComponentType open = typeof(List<>); });
    }

    [Fact]
    public void Created_by_types_every_component_reads_default_even_in_a_reused_row()
    {
        using var world = World.Create();
        var first = world.Create(new Position(7, 8), new Health(9, 10));
        world.Destroy(first);

        // Regression: rows are reused without clearing value types, so the old values used to show through.
        var second = world.Create(Group);
        Assert.Equal(default, world.Get<Position>(second));
        Assert.Equal(default, world.Get<Health>(second));

        var third = world.Create();
        world.AddRange(third, typeof(Position));
        world.Destroy(third);
        var fourth = world.Create(new Health(1, 1));
        world.AddRange(fourth, new List<ComponentType> { typeof(Position) });
        Assert.Equal(default, world.Get<Position>(fourth));
    }

    [Fact]
    public void QueryDescription_takes_clauses_by_constructor_initializer_and_fluent_calls_alike()
    {
        var byConstructor = new QueryDescription(all: [typeof(Position)], any: [typeof(Health), typeof(Mass)], none: [typeof(Team)]);
        var byInitializer = new QueryDescription
        {
            All = new ComponentType[] { typeof(Position) },
            Any = new ComponentType[] { typeof(Mass), typeof(Health) },
            None = new ComponentType[] { typeof(Team) },
        };
        var fluent = new QueryDescription().WithAll<Position>().WithAny<Health, Mass>().WithNone<Team>();

        Assert.Equal(byConstructor, byInitializer);
        Assert.Equal(byConstructor, fluent);
        Assert.Equal(byConstructor.GetHashCode(), fluent.GetHashCode());
        var exclusive = fluent;                           // With… changes the description it is called on (as Arch's)
        Assert.NotEqual(fluent, exclusive.WithExclusive<Position, Health>());
        Assert.Equal(QueryDescription.Null, new QueryDescription());

        using var world = World.Create();
        world.Create(new Position(), new Health());
        world.Create(new Position(), new Mass());
        world.Create(new Position(), new Health(), new Team());
        world.Create(new Position());
        Assert.Equal(2, world.CountEntities(in byInitializer));
        Assert.Same(world.Query(in byConstructor), world.Query(in fluent));
        Assert.Equal(4, world.CountEntities(QueryDescription.Null));
    }

    [Fact]
    public void Exclusive_matches_exactly_the_named_components()
    {
        using var world = World.Create();
        for (int i = 0; i < 5; i++)
        {
            world.Create(new Position(), new Health());
            world.Create(new Position(), new Health(), new Mass());
            world.Create(new Position());
        }

        var exclusive = new QueryDescription { Exclusive = Group };
        Assert.Equal(5, world.CountEntities(in exclusive));
        Assert.Equal(5, world.CountEntities(new QueryDescription().WithExclusive<Position, Health>()));
        Assert.Equal(5, world.CountEntities(new QueryDescription(exclusive: [typeof(Position)])));
        int visited = 0;
        world.Query(in exclusive, (Entity e) =>
        {
            Assert.Equal(2, world.GetComponentTypes(e).Length);
            visited++;
        });
        Assert.Equal(5, visited);
    }

    [Fact]
    public void Entity_only_queries_visit_each_matching_entity_once()
    {
        using var world = World.Create();
        var expected = new HashSet<Entity>();
        for (int i = 0; i < 300; i++)
        {
            expected.Add(world.Create(new Position(i, 0)));
            world.Create(new Health(i, i));
        }

        var seen = new List<Entity>();
        world.Query(new QueryDescription().WithAll<Position>(), e => seen.Add(e));
        Assert.Equal(expected.Order(), seen.Order());

        var counter = new EntityCollector { Seen = [] };
        world.InlineQuery(new QueryDescription().WithAll<Position>(), ref counter);
        Assert.Equal(expected.Order(), counter.Seen.Order());
    }

    [Fact]
    public void GetEntities_fills_a_list_or_a_span_and_refuses_a_short_span()
    {
        using var world = World.Create();
        var created = Enumerable.Range(0, 50).Select(i => world.Create(new Position(i, i))).ToList();
        world.Create(new Health());
        var query = new QueryDescription().WithAll<Position>();

        var list = new List<Entity>();
        world.GetEntities(in query, list);
        Assert.Equal(created.Order(), list.Order());

        var span = new Entity[world.CountEntities(in query)];
        Assert.Equal(50, world.GetEntities(in query, span));
        Assert.Equal(created.Order(), span.Order());
        Assert.Throws<ArgumentException>(() => world.GetEntities(in query, new Entity[10]));
    }

    [Fact]
    public void TryGetArchetype_finds_an_archetype_by_its_component_set()
    {
        using var world = World.Create();
        Assert.False(world.TryGetArchetype(Group, out _));
        var entity = world.Create(new Health(), new Position());
        Assert.True(world.TryGetArchetype(Group, out var archetype));
        Assert.Same(world.GetArchetype(entity), archetype);
        Assert.Equal(new Signature(typeof(Health), typeof(Position)), archetype.Signature);
        Assert.Equal(archetype.Signature, world.GetSignature(entity));
    }

    [Fact]
    public void Reserve_adds_exactly_the_room_asked_for_and_EnsureCapacity_tops_up_free_room()
    {
        using var world = World.Create();
        world.Create(Group);
        int before = world.Capacity;
        world.Reserve(Group, 10_000);
        Assert.Equal(before + 10_000, world.Capacity);

        int reserved = world.Capacity;
        world.EnsureCapacity(Group, 5_000); // already enough free room
        Assert.Equal(reserved, world.Capacity);
        for (int i = 0; i < 10_000; i++)
        {
            world.Create(Group);
        }

        Assert.Equal(reserved, world.Capacity); // the creates used the reserved chunks
        world.EnsureCapacity(Group, 20_000);
        Assert.True(world.Capacity - world.Size >= 20_000);
    }

    [Fact]
    public void TrimExcess_removes_empty_archetypes_and_queries_keep_working()
    {
        using var world = World.Create();
        var query = new QueryDescription().WithAll<Position>();
        var doomed = Enumerable.Range(0, 2_000).Select(i => world.Create(new Position(i, i), new Mass(i))).ToList();
        var kept = world.Create(new Position(1, 2));
        Assert.Equal(2_001, world.CountEntities(in query));

        world.Destroy(new QueryDescription().WithAll<Mass>());
        world.TrimExcess();

        Assert.Single(world.Archetypes);
        Assert.Equal(1, world.CountEntities(in query));
        Assert.All(doomed, e => Assert.False(world.IsAlive(e)));
        Assert.Equal(world.Archetypes[0].Capacity, world.Capacity);

        // The removed archetype comes back on demand, through creation and through the cached add edge.
        var again = world.Create(new Position(3, 4), new Mass(5));
        world.Add(kept, new Mass(6));
        Assert.Equal(2, world.CountEntities(new QueryDescription().WithAll<Position, Mass>()));
        Assert.Equal(new Mass(5), world.Get<Mass>(again));
    }

    [Fact]
    public void Clear_empties_the_world_and_old_handles_stay_dead()
    {
        using var world = World.Create();
        var handles = Enumerable.Range(0, 100).Select(i => world.Create(new Position(i, i))).ToList();
        world.Resources.Add(new Mass(1));

        world.Clear();

        Assert.Equal(0, world.Size);
        Assert.Equal(0, world.Capacity);
        Assert.Empty(world.Archetypes);
        Assert.All(handles, e => Assert.False(world.IsAlive(e)));
        Assert.True(world.Resources.Has<Mass>());

        var fresh = Enumerable.Range(0, 100).Select(i => world.Create(new Position(-i, i))).ToList();
        Assert.All(handles, e => Assert.False(world.IsAlive(e))); // recycled ids carry new versions
        Assert.Equal(100, world.CountEntities(new QueryDescription().WithAll<Position>()));
        Assert.Equal(new Position(-5, 5), world.Get<Position>(fresh[5]));
    }

    [Fact]
    public void TryGetRef_returns_a_writable_reference_or_reports_absence()
    {
        using var world = World.Create();
        var entity = world.Create(new Health(1, 2));
        ref var health = ref world.TryGetRef<Health>(entity, out bool exists);
        Assert.True(exists);
        health.Value = 42;
        Assert.Equal(42, world.Get<Health>(entity).Value);

        world.TryGetRef<Position>(entity, out exists);
        Assert.False(exists);
    }

    [Fact]
    public void Chunks_and_archetypes_expose_Arch_members()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 10).Select(i => world.Create(new Position(i, 0), new Health(i, 0))).ToList();
        var archetype = world.GetArchetype(entities[0]);
        Assert.Equal(archetype.MinChunkCapacity, archetype.EntitiesPerChunk);
        Assert.True(archetype.Has<Position>());
        Assert.True(archetype.Has(typeof(Health)));
        Assert.False(archetype.Has<Mass>());

        int chunks = 0;
        foreach (ref var chunk in archetype)
        {
            chunks++;
            Assert.Equal(chunk.Count, chunk.Size);
            Assert.Equal(chunk.Capacity, chunk.GetArray<Position>().Length);
            chunk.GetFirst<Position>().Y = 5;
            Assert.Equal(5, chunk.Get<Position>(0).Y);
            Assert.Equal(entities[3], chunk.GetEntity(3));
            Assert.True(chunk.Has(typeof(Health)));
        }

        Assert.Equal(1, chunks);
        Assert.Single(world.Query(new QueryDescription().WithAll<Position>()).GetArchetypeIterator());
        Assert.Equal(new object?[] { new Position(3, 0), new Health(3, 0) }.ToHashSet(), world.GetAllComponents(entities[3]).ToHashSet());
    }

    [Fact]
    public void Arch_chunk_loops_compile_and_visit_every_live_row_once_last_to_first()
    {
        using var world = World.Create();
        var created = Enumerable.Range(0, 10).Select(i => world.Create(new Position(i, 0), new Health(i, 0))).ToList();
        var query = new QueryDescription().WithAll<Position, Health>();

        // Arch 2.x's chunk loop, as its README and its source generator write it.
        var rows = new List<int>();
        var seen = new List<Entity>();
        foreach (ref var chunk in world.Query(in query))
        {
            ref var entityFirst = ref chunk.Entity(0);
            ref var positionFirst = ref chunk.GetFirst<Position>();
            foreach (var entityIndex in chunk)
            {
                rows.Add(entityIndex);
                ref readonly var entity = ref Unsafe.Add(ref entityFirst, entityIndex);
                seen.Add(entity);
                chunk.Get(ref positionFirst, entityIndex).Y = entity.Id;
                chunk.Set(entityIndex, new Health(entityIndex, 7));
            }
        }

        Assert.Equal(Enumerable.Range(0, 10).Reverse(), rows);
        Assert.Equal(created.ToHashSet(), seen.ToHashSet());
        Assert.Equal(10, seen.Count);
        foreach (var entity in created)
        {
            Assert.Equal(entity.Id, world.Get<Position>(entity).Y);
            Assert.Equal(7, world.Get<Health>(entity).Max);
        }
    }

    [Fact]
    public void Arch_non_generic_component_lookup_gives_the_generic_caches_type()
    {
        // Arch.Core.Utils.Component.GetComponentType(Type), as Arch's own chunk code calls it.
        Assert.Equal(Component<Position>.ComponentType, Component.GetComponentType(typeof(Position)));
        Assert.Equal(typeof(Health), Component.GetComponentType(typeof(Health)).Type);
        Assert.Equal(Component<Health>.Id, Component.GetComponentType(typeof(Health)).Id);
    }

    private record struct ConvertedFirst(int Value);

    private struct EntityCollector : IForEach
    {
        public List<Entity> Seen;

        public readonly void Update(Entity entity) => Seen.Add(entity);
    }

    [Fact]
    public void Inline_queries_without_an_iterator_run_a_new_callback_struct_as_Archs_do()
    {
        using var world = World.Create();
        var a = world.Create(new Position(1, 0), new Velocity(0, 0));
        var b = world.Create(new Position(2, 0), new Velocity(0, 0));
        var description = new QueryDescription().WithAll<Position, Velocity>();

        // Arch 2.x's `world.InlineQuery<T, T0…>(in description)`: no iterator argument; `new T()` runs its constructor.
        world.InlineQuery<StampFromConstructor, Position, Velocity>(in description);
        world.InlineEntityQuery<CopyIdFromConstructor, Velocity>(in description);

        Assert.Equal((new Position(1, 7), new Velocity(a.Id + 100, 0)), (world.Get<Position>(a), world.Get<Velocity>(a)));
        Assert.Equal((new Position(2, 7), new Velocity(b.Id + 100, 0)), (world.Get<Position>(b), world.Get<Velocity>(b)));
    }

    private struct StampFromConstructor : IForEach<Position, Velocity>
    {
        private readonly float stamp;

        public StampFromConstructor() => stamp = 7;

        public readonly void Update(ref Position position, ref Velocity velocity) => position.Y = stamp;
    }

    private struct CopyIdFromConstructor : IForEachWithEntity<Velocity>
    {
        private readonly int offset;

        public CopyIdFromConstructor() => offset = 100;

        public readonly void Update(Entity entity, ref Velocity velocity) => velocity.Dx = entity.Id + offset;
    }
}
