namespace Traktor.Ecs.Net.Tests.Ecs;

public class ChangeVersionTests
{
    private static ref Chunk ChunkOf(World world, Entity e)
    {
        var archetype = world.GetArchetype(e);
        for (int c = 0; c < archetype.ChunkCount; c++)
        {
            ref var chunk = ref archetype.GetChunk(c);
            if (chunk.Entities.Contains(e))
            {
                return ref chunk;
            }
        }

        throw new InvalidOperationException($"{e} is in no chunk of its archetype");
    }

    private static uint VersionOf<T>(World world, Entity e) => ChunkOf(world, e).GetChangeVersion<T>();

    [Fact]
    public void Creation_stamps_every_column_with_the_current_version()
    {
        using var world = World.Create();
        world.AdvanceChangeVersion();
        uint v = world.AdvanceChangeVersion();
        var e = world.Create(new Position(), new Health());
        Assert.Equal(v, world.ChangeVersion);
        Assert.Equal(v, VersionOf<Position>(world, e));
        Assert.Equal(v, VersionOf<Health>(world, e));
    }

    [Fact]
    public void Write_accesses_stamp_only_their_column()
    {
        using var world = World.Create();
        var e = world.Create(new Position(), new Health(), new Velocity());
        uint created = world.ChangeVersion;

        uint v2 = world.AdvanceChangeVersion();
        world.Get<Position>(e).X = 1;
        Assert.Equal(v2, VersionOf<Position>(world, e));
        Assert.Equal(created, VersionOf<Health>(world, e));

        uint v3 = world.AdvanceChangeVersion();
        world.Set(e, new Health(3, 3));
        Assert.Equal(v3, VersionOf<Health>(world, e));
        Assert.Equal(v2, VersionOf<Position>(world, e));

        uint v4 = world.AdvanceChangeVersion();
        world.Query(new QueryDescription().WithAll<Velocity>(), (ref Velocity _) => { });
        Assert.Equal(v4, VersionOf<Velocity>(world, e));
        Assert.Equal(v3, VersionOf<Health>(world, e));

        uint v5 = world.AdvanceChangeVersion();
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Position>()))
        {
            chunk.GetSpan<Position>();
        }

        Assert.Equal(v5, VersionOf<Position>(world, e));
        Assert.Equal(v4, VersionOf<Velocity>(world, e));

        uint v6 = world.AdvanceChangeVersion();
        var inline = new Touch();
        world.InlineQuery<Touch, Health>(new QueryDescription().WithAll<Health>(), ref inline);
        Assert.Equal(v6, VersionOf<Health>(world, e));
    }

    private struct Touch : IForEach<Health>
    {
        public void Update(ref Health h)
        {
        }
    }

    [Fact]
    public void Reads_do_not_stamp()
    {
        using var world = World.Create();
        var e = world.Create(new Position(1, 1), new Health(1, 1));
        uint created = world.ChangeVersion;
        world.AdvanceChangeVersion();
        world.AdvanceChangeVersion();

        Assert.True(world.TryGet<Position>(e, out _));
        Assert.True(world.Has<Health>(e));
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Position>()))
        {
            Assert.Equal(1, chunk.GetReadOnlySpan<Position>()[0].X);
            Assert.False(chunk.HasChangedSince<Position>(created));
        }

        world.CountEntities(new QueryDescription().WithAll<Position>());
        Assert.Equal(created, VersionOf<Position>(world, e));
        Assert.Equal(created, VersionOf<Health>(world, e));
    }

    [Fact]
    public void Add_stamps_the_target_chunk()
    {
        using var world = World.Create();
        var e = world.Create(new Position(1, 1));
        uint v = world.AdvanceChangeVersion();
        world.Add(e, new Health(2, 2));
        Assert.Equal(v, VersionOf<Health>(world, e));
        Assert.Equal(v, VersionOf<Position>(world, e));
    }

    [Fact]
    public void ChangedSince_visits_only_chunks_written_after_the_version()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 100).Select(i => world.Create(new Bulky(i), new Health(i, 0))).ToList();
        var desc = new QueryDescription().WithAll<Bulky>();
        var query = world.Query(in desc);
        int chunkCount = world.GetArchetype(entities[0]).ChunkCount;
        Assert.True(chunkCount >= 4);

        uint sent = world.ChangeVersion;
        world.AdvanceChangeVersion();
        Assert.Equal(0, Count(query.ChangedSince<Bulky>(sent)));
        Assert.Equal(chunkCount, Count(query.ChangedSince<Bulky>(sent - 1)));

        // Write one entity in the first chunk and one in the last.
        world.Get<Bulky>(entities[0]).Tail = 5;
        world.Set(entities[^1], new Bulky(-1));
        var changed = new List<Entity>();
        foreach (ref var chunk in query.ChangedSince<Bulky>(sent))
        {
            Assert.True(chunk.HasChangedSince<Bulky>(sent));
            changed.AddRange(chunk.Entities.ToArray());
        }

        Assert.Contains(entities[0], changed);
        Assert.Contains(entities[^1], changed);
        Assert.True(changed.Count < 100);
        Assert.Equal(2, Count(query.ChangedSince<Bulky>(sent)));
        Assert.Equal(0, Count(query.ChangedSince<Health>(sent))); // other columns were untouched
        Assert.False(world.IsIterating);

        // Next round: nothing written since.
        uint sent2 = world.ChangeVersion;
        world.AdvanceChangeVersion();
        Assert.Equal(0, Count(query.ChangedSince<Bulky>(sent2)));
    }

    [Fact]
    public void ChangedSince_skips_archetypes_without_the_component()
    {
        using var world = World.Create();
        world.Create(new Mass(1));
        world.Create(new Mass(1), new Team(1));
        uint sent = world.ChangeVersion - 1;
        var query = world.Query(new QueryDescription().WithAll<Mass>());
        Assert.Equal(2, Count(query.ChangedSince<Mass>(sent)));
        Assert.Equal(1, Count(query.ChangedSince<Team>(sent)));
    }

    [Fact]
    public void Swap_remove_stamps_the_chunk_that_received_the_moved_entity()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 60).Select(i => world.Create(new Bulky(i))).ToList();
        var query = world.Query(new QueryDescription().WithAll<Bulky>());
        uint sent = world.ChangeVersion;
        world.AdvanceChangeVersion();

        world.Destroy(entities[0]); // the last entity moves into chunk 0: its value there is new
        var changed = new List<Entity>();
        foreach (ref var chunk in query.ChangedSince<Bulky>(sent))
        {
            changed.AddRange(chunk.Entities.ToArray());
        }

        Assert.Contains(entities[^1], changed);
        Assert.DoesNotContain(entities[^2], changed);
    }

    private static int Count(ChangedChunks chunks)
    {
        int n = 0;
        foreach (ref var chunk in chunks)
        {
            Assert.True(chunk.Count > 0);
            n++;
        }

        return n;
    }
}
