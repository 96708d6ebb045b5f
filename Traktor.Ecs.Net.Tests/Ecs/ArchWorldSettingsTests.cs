namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x's <c>World.Create(chunkSizeInBytes, minimumAmountOfEntitiesPerChunk, archetypeCapacity, entityCapacity)</c>,
/// called as Arch code calls it (named arguments, Arch's documented values), shapes the chunks it says it does.
/// </summary>
public class ArchWorldSettingsTests
{
    private static int EntityBytes<T>() where T : struct => System.Runtime.CompilerServices.Unsafe.SizeOf<Entity>() + System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    [Fact]
    public void Chunk_size_and_minimum_entity_count_size_each_archetypes_first_chunk()
    {
        using var world = World.Create(chunkSizeInBytes: 16_382, minimumAmountOfEntitiesPerChunk: 100, archetypeCapacity: 8, entityCapacity: 64);
        Assert.Equal(16_382, world.BaseChunkSize);
        Assert.Equal(100, world.BaseChunkEntityCount);

        var bulky = world.GetArchetype(world.Create(new Bulky(1)));           // 4 KiB each: 16 KiB hold 4, the minimum wins
        var small = world.GetArchetype(world.Create(new Mass(1)));            // 16 bytes each: the chunk size wins
        Assert.Equal(100, bulky.EntitiesPerChunk);
        Assert.Equal(16_382 / EntityBytes<Mass>(), small.EntitiesPerChunk);

        for (int i = 2; i <= 100; i++)
        {
            world.Create(new Bulky(i));
        }

        Assert.Equal(1, bulky.ChunkCount);                                   // 100 in one chunk, as Arch's
        var heads = new List<int>();
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Bulky>()))
        {
            heads.AddRange(chunk.GetSpan<Bulky>().ToArray().Select(b => b.Head));
        }

        Assert.Equal(Enumerable.Range(1, 100), heads.Order());
    }

    [Fact]
    public void A_larger_first_chunk_grows_no_further_and_a_smaller_one_doubles_as_before()
    {
        using var big = World.Create(chunkSizeInBytes: 1024 * 1024);
        var wide = big.GetArchetype(big.Create(new Mass(0)));
        Assert.Equal(1024 * 1024 / EntityBytes<Mass>(), wide.MinChunkCapacity);
        Assert.Equal(wide.MinChunkCapacity, wide.MaxChunkCapacity);

        using var tiny = World.Create(chunkSizeInBytes: 1024);
        var narrow = tiny.GetArchetype(tiny.Create(new Mass(0)));
        Assert.Equal(1024 / EntityBytes<Mass>(), narrow.MinChunkCapacity);
        Assert.Equal(Archetype.MaxChunkBytes / EntityBytes<Mass>(), narrow.MaxChunkCapacity);
        for (int i = 0; i < narrow.MinChunkCapacity * 3; i++)
        {
            tiny.Create(new Mass(i));
        }

        Assert.Equal(2 * narrow.MinChunkCapacity, narrow.GetChunk(1).Capacity);
    }

    [Fact]
    public void The_defaults_build_the_chunks_World_Create_builds()
    {
        using var plain = World.Create();
        using var named = World.Create(chunkSizeInBytes: 16_384);
        using var positional = World.Create(16_384, 1, 2, 64);
        foreach (var world in new[] { plain, named, positional })
        {
            Assert.Equal(Archetype.MinChunkBytes, world.BaseChunkSize);
            Assert.Equal(1, world.BaseChunkEntityCount);
            Assert.Equal(Archetype.MinChunkBytes / EntityBytes<Bulky>(), world.GetArchetype(world.Create(new Bulky(0))).EntitiesPerChunk);
        }
    }

    [Fact]
    public void World_Create_without_arguments_takes_the_same_defaults_as_the_overload_with_them()
    {
        // The parameterless Create used the private constructor's own defaults (room for 0 archetypes and 256 entities)
        // while Create(int, int, int, int) said 2 and 64: two sources of truth for one setting.
        using var plain = World.Create();
        using var named = World.Create(chunkSizeInBytes: World.DefaultBaseChunkSize);
        foreach (var world in new[] { plain, named })
        {
            Assert.Equal(World.DefaultBaseChunkSize, world.BaseChunkSize);
            Assert.Equal(World.DefaultBaseChunkEntityCount, world.BaseChunkEntityCount);
            Assert.Equal(World.DefaultArchetypeCapacity, world.ArchetypeListCapacity);
            Assert.Equal(World.DefaultEntityCapacity, world.EntitySlotCapacity);
        }
    }

    [Theory]
    [InlineData(0, 100, 2, 64)]
    [InlineData(World.MaxBaseChunkSize + 1, 100, 2, 64)]
    [InlineData(16_384, -1, 2, 64)]
    [InlineData(16_384, World.MaxBaseChunkEntityCount + 1, 2, 64)]
    [InlineData(16_384, 100, -1, 64)]
    [InlineData(16_384, 100, World.MaxInitialCapacity + 1, 64)]
    [InlineData(16_384, 100, 2, -1)]
    [InlineData(16_384, 100, 2, World.MaxInitialCapacity + 1)]
    public void Settings_out_of_range_are_refused(int chunkSize, int minimum, int archetypes, int entities)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => World.Create(chunkSize, minimum, archetypes, entities));
    }

    [Fact]
    public void An_entity_capacity_of_0_still_grows()
    {
        using var world = World.Create(entityCapacity: 0, archetypeCapacity: 0);
        var entities = Enumerable.Range(0, 300).Select(i => world.Create(new Mass(i))).ToList();
        Assert.Equal(300, world.Size);
        Assert.Equal(299f, world.Get<Mass>(entities[^1]).Value);
    }
}
