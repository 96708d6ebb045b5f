namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Arch 2.x's <c>Archetype.EntityCapacity</c> and <c>Archetype.Count</c>, as Arch code reads them.</summary>
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

    [Fact]
    public void Count_is_the_index_of_the_last_chunk_in_use_and_0_once_the_archetype_is_empty()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 10).Select(i => world.Create(new Bulky(i), new Position(i, 0))).ToList();
        var archetype = world.GetArchetype(entities[0]);
        var last = archetype.GetChunk(archetype.Count);                   // the index is a valid chunk

        Assert.True(archetype.ChunkCount > 1);
        Assert.Equal(archetype.ChunkCount - 1, archetype.Count);
        Assert.True(last.Count > 0);

        entities.ForEach(world.Destroy);

        Assert.Equal(0, archetype.EntityCount);
        Assert.Equal(0, archetype.Count);
    }
}
