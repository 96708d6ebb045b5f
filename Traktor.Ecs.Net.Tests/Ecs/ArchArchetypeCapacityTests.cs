namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Arch 2.x's <c>Archetype.EntityCapacity</c>, as Arch code compares it with <c>World.Capacity</c>.</summary>
public class ArchArchetypeCapacityTests
{
    [Fact]
    public void EntityCapacity_counts_the_entity_slots_of_every_allocated_chunk()
    {
        using var world = World.Create();
        for (int i = 0; i < 10; i++)
        {
            world.Create(new Bulky(i), new Position(i, 0));                 // 4 per first chunk: several chunks
        }

        world.Create(new Health(1, 1));
        var archetype = world.GetArchetype(world.Create(new Bulky(10), new Position()));

        int slots = 0;
        foreach (ref var chunk in archetype)
        {
            slots += chunk.Capacity;
        }

        Assert.True(archetype.ChunkCount > 1);
        Assert.Equal(slots, archetype.EntityCapacity);
        Assert.True(archetype.EntityCapacity >= 11);
        Assert.Equal(11, archetype.EntityCount);
        Assert.Equal(world.Archetypes.Sum(a => a.EntityCapacity), world.Capacity);
    }
}
