namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Arch's mutable <c>BitSet</c> API on user-made sets; the sets the world keys by stay immutable.</summary>
public class BitSetTests
{
    [Fact]
    public void A_user_made_set_follows_Archs_All_Any_None_Exclusive()
    {
        var a = new BitSet();
        a.SetBit(5);
        a.SetBit(600);
        var b = new BitSet();
        b.SetBit(5);
        b.SetBit(600);
        Assert.True(a.All(b));
        Assert.True(a.Exclusive(b));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        b.SetBit(700);
        Assert.True(a.All(b));    // a ⊆ b
        Assert.False(b.All(a));
        Assert.False(a.Exclusive(b));
        Assert.True(a.Any(b));

        b.ClearBit(700);
        Assert.Equal(a, b);       // trailing words do not count
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        a.ClearAll();
        a.SetBit(64);
        Assert.True(a.None(b));
        Assert.False(a.Any(b));
        Assert.Equal([64], a.Bits());
    }

    [Fact]
    public void SetBits_marks_component_types_and_compares_with_an_archetypes_set()
    {
        using var world = World.Create();
        ComponentType[] group = [typeof(Position), typeof(Velocity)];
        var entity = world.Create(group);
        var mask = new BitSet();
        mask.SetBits(group);

        var archetype = entity.GetArchetype();
        Assert.True(mask.All(archetype.BitSet));
        Assert.True(mask.Exclusive(archetype.BitSet));
        world.Add(entity, new Health(1, 1));
        Assert.True(mask.All(entity.GetArchetype().BitSet));
        Assert.False(mask.Exclusive(entity.GetArchetype().BitSet));
    }

    [Fact]
    public void The_sets_the_world_keys_by_cannot_change()
    {
        using var world = World.Create();
        var archetype = world.GetArchetype(world.Create(new Position()));
        Assert.False(archetype.BitSet.IsMutable);
        Assert.Throws<InvalidOperationException>(() => archetype.BitSet.SetBit(3));
        Assert.Throws<InvalidOperationException>(() => archetype.BitSet.ClearAll());
        Assert.Throws<InvalidOperationException>(() => BitSet.Empty.SetBit(1));
        Assert.True(BitSet.Empty.IsEmpty);
        Assert.True(new BitSet().IsMutable);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitSet().SetBit(-1));
    }

    [Fact]
    public void A_world_enumerates_its_archetypes_by_reference_without_exposing_its_list()
    {
        using var world = World.Create();
        world.Create(new Position());
        world.Create(new Position(), new Velocity());
        var seen = new List<Archetype>();
        foreach (ref var archetype in world)
        {
            seen.Add(archetype);
            archetype = null!; // writes go to a copy
        }

        Assert.Equal(world.Archetypes, seen);
        Assert.All(world.Archetypes, Assert.NotNull);
        int again = 0;
        foreach (var archetype in world)
        {
            Assert.NotNull(archetype);
            again++;
        }

        Assert.Equal(2, again);
    }
}
