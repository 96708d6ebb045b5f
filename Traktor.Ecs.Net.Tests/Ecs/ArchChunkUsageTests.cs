using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x chunk and query members as Arch code calls them (Arch.Core's Query, Chunk and its generated
/// row/column accessors): each must compile against Traktor.Ecs and read or write the same rows Arch would.
/// </summary>
public class ArchChunkUsageTests
{
    private static readonly QueryDescription PositionHealth = new QueryDescription().WithAll<Position, Health>();

    [Fact]
    public void Query_Count_counts_the_matching_entities_and_follows_creates_and_destroys()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 5).Select(i => world.Create(new Position(i, 0), new Health(i, 0))).ToList();
        world.Create(new Position(), new Health(), new Mass(1));   // a second matching archetype
        world.Create(new Position());                               // not matched

        var query = world.Query(in PositionHealth);
        Assert.Equal(6, query.Count());
        world.Destroy(entities[0]);
        Assert.Equal(5, query.Count());
        Assert.Equal(world.CountEntities(in PositionHealth), world.Query(in PositionHealth).Count());
    }

    [Fact]
    public void Query_GetChunkIterator_visits_the_same_chunks_as_the_query_itself()
    {
        using var world = World.Create();
        for (int i = 0; i < 3; i++)
        {
            world.Create(new Position(i, 0), new Health(i, 0));
        }

        world.Create(new Position(9, 0), new Health(9, 0), new Mass(9));
        int rows = 0;
        foreach (ref var chunk in world.Query(in PositionHealth).GetChunkIterator())
        {
            rows += chunk.Size;
            chunk.GetSpan<Position>()[0].Y = 1;
        }

        Assert.Equal(4, rows);
        Assert.Equal(2, CountWhereY(world, 1)); // the first row of each of the two archetypes' chunks
    }

    [Fact]
    public void Chunk_GetRow_gives_the_entity_and_its_components_by_reference()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 4).Select(i => world.Create(new Position(i, 0), new Health(i * 10, 0))).ToList();

        foreach (ref var chunk in world.Query(in PositionHealth))
        {
            foreach (var index in chunk)
            {
                var row = chunk.GetRow<Position>(index);
                Assert.Equal(chunk.Entity(index), row.Entity);
                Assert.Equal(world.Get<Position>(row.Entity), row.t0);
                row.t0.Y = row.Entity.Id + 100;

                var both = chunk.GetRow<Position, Health>(index);
                Assert.Equal(row.Entity, both.Entity);
                both.t1.Max = both.t1.Value + 1;
            }
        }

        foreach (var entity in entities)
        {
            Assert.Equal(entity.Id + 100, world.Get<Position>(entity).Y);
            Assert.Equal(world.Get<Health>(entity).Value + 1, world.Get<Health>(entity).Max);
        }
    }

    [Fact]
    public void Chunk_multi_component_accessors_read_and_write_the_same_rows()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 6).Select(i => world.Create(new Position(i, 0), new Health(i, 0), new Mass(i))).ToList();

        foreach (ref var chunk in world.Query(in PositionHealth))
        {
            Assert.True(chunk.Has<Position, Health>());
            Assert.True(chunk.Has<Position, Health, Mass>());
            Assert.False(chunk.Has<Position, Team>());

            var first = chunk.GetFirst<Position, Health>();
            chunk.GetSpan<Position, Mass>(out var positions, out var masses);
            chunk.GetArray<Health, Mass>(out var healthArray, out var massArray);
            Assert.Equal(chunk.Count, positions.Length);
            Assert.Equal(chunk.Capacity, healthArray.Length);
            foreach (var index in chunk)
            {
                ref var position = ref Unsafe.Add(ref first.t0, index);
                position.Y = masses[index].Value * 2;
                Unsafe.Add(ref first.t1, index).Max = (int)massArray[index].Value + 1;

                var refs = chunk.Get<Position, Mass>(index);
                refs.t1.Value += 0.5f;
                Assert.Equal(refs.t0.Y, positions[index].Y);

                if (chunk.Entity(index) == entities[2])
                {
                    chunk.Set(index, new Position(-1, -2), new Health(-3, -4));
                }
            }
        }

        foreach (var entity in entities.Where(e => e != entities[2]))
        {
            float mass = world.Get<Mass>(entity).Value;
            Assert.Equal(entity.Id + 0.5f, mass);
            Assert.Equal(entity.Id * 2, world.Get<Position>(entity).Y);
            Assert.Equal(entity.Id + 1, world.Get<Health>(entity).Max);
        }

        Assert.Equal(new Position(-1, -2), world.Get<Position>(entities[2]));
        Assert.Equal(new Health(-3, -4), world.Get<Health>(entities[2]));
    }

    [Fact]
    public void Chunk_non_generic_accessors_box_the_rows_component()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(1, 2), new Health(3, 4));
        foreach (ref var chunk in world.Query(in PositionHealth))
        {
            Assert.Equal(new Position(1, 2), chunk.Get(0, typeof(Position)));
            Assert.IsType<Position[]>(chunk.GetArray(typeof(Position)));
            chunk.Set(0, (object)new Health(5, 6));
        }

        Assert.Equal(new Health(5, 6), world.Get<Health>(entity));
    }

    [Fact]
    public void Chunk_row_accessors_refuse_rows_outside_the_live_ones()
    {
        using var world = World.Create();
        world.Create(new Position(), new Health());
        foreach (ref var chunk in world.Query(in PositionHealth))
        {
            int count = chunk.Count;
            var copy = chunk;
            Assert.Throws<ArgumentOutOfRangeException>(() => copy.GetRow<Position>(count));
            Assert.Throws<ArgumentOutOfRangeException>(() => copy.GetRow<Position, Health>(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => copy.Get<Position, Health>(count));
            Assert.Throws<ArgumentOutOfRangeException>(() => copy.Set(count, new Position(), new Health()));
            Assert.Throws<ArgumentOutOfRangeException>(() => copy.Get(count, typeof(Position)));
            Assert.Throws<ComponentNotFoundException>(() => copy.GetRow<Mass>(0));
            Assert.Throws<ComponentNotFoundException>(() => copy.GetFirst<Position, Mass>());
        }
    }

    private static int CountWhereY(World world, float y)
    {
        int count = 0;
        world.Query(new QueryDescription().WithAll<Position>(), (ref Position p) => count += p.Y == y ? 1 : 0);
        return count;
    }
}
