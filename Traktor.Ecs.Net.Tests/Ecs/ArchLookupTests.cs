namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Arch 2.x's <c>AddOrGet</c>, <c>GetArchetypes</c> and <c>GetChunks</c> as Arch code calls them.</summary>
public class ArchLookupTests
{
    [Fact]
    public void AddOrGet_adds_a_missing_component_once_and_returns_the_stored_one_by_reference()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 1));

        ref var health = ref world.AddOrGet(entity, new Health(10, 10));
        health.Value = 7;
        ref var again = ref entity.AddOrGet(new Health(99, 99));      // present now: the stored one, not the argument

        Assert.Equal(new Health(7, 10), again);
        Assert.Equal(new Health(7, 10), world.Get<Health>(entity));
        world.AddOrGet<Position>(entity).X = 5;
        Assert.Equal(new Position(5, 1), world.Get<Position>(entity));

        int queried = 0;
        world.Query(new QueryDescription().WithAll<Position>(), (Entity e) =>
        {
            queried++;
            world.AddOrGet<Health>(e).Max = 20;                          // present: fine inside a query
            Assert.Throws<StructuralChangeDuringQueryException>(() => world.AddOrGet(e, new Mass(1)));
        });
        Assert.Equal(1, queried);
        Assert.Equal(20, world.Get<Health>(entity).Max);
        Assert.False(world.Has<Mass>(entity));
    }

    [Fact]
    public void GetArchetypes_and_GetChunks_write_what_the_query_visits()
    {
        using var world = World.Create();
        for (int i = 0; i < 10; i++)
        {
            world.Create(new Bulky(i), new Position(i, 0));            // 4 per first chunk: several chunks
        }

        world.Create(new Position(), new Health());
        world.Create(new Health());
        var description = new QueryDescription().WithAll<Position>();

        var archetypes = new Archetype[4];
        int archetypeCount = world.GetArchetypes(in description, archetypes, start: 1);
        var chunks = new Chunk[16];
        int chunkCount = world.GetChunks(in description, chunks);

        Assert.Equal(2, archetypeCount);
        Assert.Null(archetypes[0]);
        Assert.All(archetypes.Skip(1).Take(2), a => Assert.True(a.Has<Position>()));
        int rows = 0, expectedChunks = 0;
        foreach (ref var chunk in world.Query(in description))
        {
            Assert.Equal(chunk.Entities.ToArray(), chunks[expectedChunks].Entities.ToArray());
            rows += chunk.Count;
            expectedChunks++;
        }

        Assert.Equal(expectedChunks, chunkCount);
        Assert.Equal(11, rows);
        Assert.Throws<ArgumentException>(() => world.GetChunks(in description, new Chunk[1]));
        Assert.Throws<ArgumentException>(() => world.GetArchetypes(in description, new Archetype[1]));
    }
}
