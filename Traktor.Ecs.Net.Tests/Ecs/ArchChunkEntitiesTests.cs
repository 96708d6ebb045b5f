namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch's <c>chunk.Entities</c> is an <c>Entity[]</c>; code written for it (an array variable, LINQ, a lambda capturing it)
/// compiles against Traktor.Ecs, whose <see cref="ChunkEntities"/> still iterates and indexes only the live rows.
/// </summary>
public class ArchChunkEntitiesTests
{
    [Fact]
    public void Arch_code_using_chunk_Entities_as_an_array_compiles_and_reads_the_live_entities()
    {
        using var world = World.Create();
        var created = Enumerable.Range(0, 5).Select(i => world.Create(new Position(i, 0))).ToList();
        world.Destroy(created[4]);                                   // its row is past Count now, its stale handle still stored

        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Position>()))
        {
            Entity[] storage = chunk.Entities;                      // Arch: the whole array
            Assert.Equal(chunk.Capacity, storage.Length);
            var entities = chunk.Entities;
            Func<int, Entity> at = i => entities[i];                 // captured by a lambda (a span could not be)
            List<Entity> live = chunk.Entities.Where(world.IsAlive).ToList();   // LINQ

            Assert.Equal(4, entities.Length);
            Assert.Equal(created.Take(4), live);
            Assert.Equal(created[2], at(2));
            Assert.Equal(created.Take(4), chunk.Entities.ToArray());
            ReadOnlySpan<Entity> span = chunk.Entities;
            Assert.Equal(4, span.Length);
            int visited = 0;
            foreach (var entity in chunk.Entities)
            {
                Assert.True(world.IsAlive(entity));
                visited++;
            }

            Assert.Equal(4, visited);
            Assert.True(chunk.Entities.Contains(created[0]));
            Assert.False(chunk.Entities.Contains(created[4]));
            Assert.Throws<ArgumentOutOfRangeException>(() => at(4));      // a dead row is not read as a live one
        }
    }
}
