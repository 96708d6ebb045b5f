using CsCheck;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x's compile-time groups, <c>Group&lt;T0…&gt;.Types</c> and <c>.Hash</c>, and the set hash behind them
/// (<c>Component.GetHashCode</c>, <c>Component&lt;T0…&gt;.Hash</c>), as Arch code uses them.
/// </summary>
public class ArchGroupTests
{
    private static readonly ComponentType[] Six =
    [
        Component<Position>.ComponentType, Component<Velocity>.ComponentType, Component<Health>.ComponentType,
        Component<Label>.ComponentType, Component<Mass>.ComponentType, Component<Team>.ComponentType,
    ];

    [Fact]
    public void Group_types_list_the_type_arguments_in_order_in_one_shared_array()
    {
        Assert.Equal([Component<Position>.ComponentType, Component<Velocity>.ComponentType], Group<Position, Velocity>.Types);
        Assert.Equal([Component<Velocity>.ComponentType, Component<Position>.ComponentType], Group<Velocity, Position>.Types);
        Assert.Equal(Six, Group<Position, Velocity, Health, Label, Mass, Team>.Types);
        Assert.Same(Group<Position, Velocity>.Types, Group<Position, Velocity>.Types);
    }

    [Fact]
    public void A_one_type_group_names_its_type_and_the_system_group_keeps_its_name()
    {
        Assert.Equal([Component<Health>.ComponentType], Group<Health>.Types);
        Assert.Same(Group<Health>.Types, Group<Health>.Types);
        Assert.Equal(Component<Health>.Signature.GetHashCode(), Group<Health>.Hash);

        // The same name with one type argument is still the system group.
        using var systems = new Group<float>("frame");
        Assert.Equal("frame", systems.Name);
    }

    [Fact]
    public void A_group_creates_entities_and_describes_queries_as_its_types_do()
    {
        using var world = World.Create();
        var ship = world.Create(Group<Position, Velocity>.Types);
        var rock = world.Create(Group<Position>.Types);
        world.Create(Group<Position, Velocity, Health>.Types);

        Assert.True(world.Has<Position, Velocity>(ship));
        Assert.Equal([Component<Position>.ComponentType], world.GetSignature(rock).Components.ToArray());
        Assert.Equal(2, world.CountEntities(new QueryDescription(all: Group<Velocity, Position>.Types)));
        Assert.Equal(1, world.CountEntities(new QueryDescription(all: Group<Position>.Types, none: Group<Velocity>.Types)));
        Assert.True(world.TryGetArchetype(Group<Velocity, Position>.Types, out var archetype));
        Assert.Same(archetype, world.GetArchetype(ship));
    }

    [Fact]
    public void Hashes_of_a_set_agree_whatever_the_order_and_the_source()
    {
        int hash = Component<Position, Velocity>.Signature.GetHashCode();

        Assert.Equal(hash, Group<Position, Velocity>.Hash);
        Assert.Equal(hash, Group<Velocity, Position>.Hash);
        Assert.Equal(hash, Component<Velocity, Position>.Hash);
        Assert.Equal(hash, Component.GetHashCode([Component<Velocity>.ComponentType, Component<Position>.ComponentType, Component<Velocity>.ComponentType]));
        Assert.Equal(BitSet.Empty.GetHashCode(), Component.GetHashCode([]));
        Assert.Equal(Component<Position, Velocity, Health, Label, Mass, Team>.Signature.GetHashCode(), Group<Team, Mass, Label, Health, Velocity, Position>.Hash);
        Assert.NotEqual(hash, Group<Position, Health>.Hash);
    }

    [Fact]
    public void The_set_hash_is_the_hash_of_the_bit_set_of_the_ids_for_any_order_and_repeats()
    {
        // Any pick of the six types, in any order and with repeats, hashes as the signature and the BitSet of those ids.
        Gen.Int[0, Six.Length - 1].Array[0, 12].Sample(picks =>
        {
            var types = picks.Select(i => Six[i]).ToArray();
            var bits = new BitSet();
            foreach (var type in types)
            {
                bits.SetBit(type.Id);
            }

            int hash = Component.GetHashCode(types);
            Assert.Equal(new Signature(types).GetHashCode(), hash);
            Assert.Equal(bits.GetHashCode(), hash);
            Assert.Equal(hash, Component.GetHashCode(types.Reverse().ToArray()));
        });
    }

    [Fact]
    public void The_registry_answers_by_arch_names()
    {
        Assert.False(ComponentRegistry.Has<OnlyHere>());
        Assert.False(ComponentRegistry.Has(typeof(OnlyHere)));
        Assert.False(ComponentRegistry.TryGet<OnlyHere>(out _));
        Assert.DoesNotContain(typeof(OnlyHere), ComponentRegistry.TypeToComponentType.Keys);

        var added = ComponentRegistry.Add<OnlyHere>();

        Assert.Equal(Component<OnlyHere>.ComponentType, added);
        Assert.Equal(added, ComponentRegistry.Add(typeof(OnlyHere)));
        Assert.True(ComponentRegistry.Has<OnlyHere>());
        Assert.True(ComponentRegistry.Has(typeof(OnlyHere)));
        Assert.True(ComponentRegistry.TryGet<OnlyHere>(out var found));
        Assert.Equal(added, found);
        Assert.Equal(added, ComponentRegistry.TypeToComponentType[typeof(OnlyHere)]);
        Assert.Same(typeof(OnlyHere), ComponentRegistry.Types[added.Id]);
        Assert.True(ComponentRegistry.Size > added.Id);
        Assert.True(ComponentRegistry.Types.Length > added.Id);
        Assert.Same(typeof(Position), ComponentRegistry.Types[Component<Position>.ComponentType.Id]);
    }

    [Fact]
    public void Registering_a_type_that_cannot_be_a_component_throws_by_arch_name_too()
    {
        Assert.Throws<ArgumentException>(() => ComponentRegistry.Add(typeof(List<>)));
        Assert.Throws<ArgumentNullException>(() => ComponentRegistry.Has(null!));
    }

    [Fact]
    public void The_array_registry_registers_a_type_and_makes_its_arrays()
    {
        Assert.False(ComponentRegistry.Has<ArrayOnly>());

        ArrayRegistry.Add<ArrayOnly>();

        Assert.True(ComponentRegistry.Has<ArrayOnly>());
        var array = ArrayRegistry.GetArray(Component<ArrayOnly>.ComponentType, 3);
        Assert.Equal(new ArrayOnly[3], Assert.IsType<ArrayOnly[]>(array));
        Assert.Empty(Assert.IsType<Position[]>(ArrayRegistry.GetArray(typeof(Position), 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrayRegistry.GetArray(typeof(Position), -1));
        Assert.Throws<ArgumentException>(() => ArrayRegistry.GetArray(default, 1));
    }

    // Registered by The_registry_answers_by_arch_names only, so it starts unregistered.
    private record struct OnlyHere(int Value);

    // Registered by The_array_registry_registers_a_type_and_makes_its_arrays only.
    private record struct ArrayOnly(int Value);
}
