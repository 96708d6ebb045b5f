namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch's <c>World.WorldSize</c>: the number of live worlds, kept exact while threads create and destroy worlds.
/// Serial (in <see cref="WorldIdReuseTests"/>' collection): worlds other tests create would move the count.
/// </summary>
[Collection(WorldIdReuseTests.Name)]
public class WorldSizeTests
{
    [Fact]
    public void WorldSize_counts_worlds_created_and_not_yet_destroyed()
    {
        int before = World.WorldSize;
        var a = World.Create();
        var b = World.Create();
        Assert.Equal(before + 2, World.WorldSize);

        World.Destroy(a);
        World.Destroy(a);                                                // twice: counted once
        Assert.Equal(before + 1, World.WorldSize);

        b.Dispose();
        Assert.Equal(before, World.WorldSize);
    }

    [Fact]
    public void WorldSize_returns_to_where_it_was_after_threads_create_and_destroy_worlds_at_once()
    {
        int before = World.WorldSize;
        var threads = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount)).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                var world = World.Create();
                world.Create(new Position(i, i));
                World.Destroy(world);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(before, World.WorldSize);
    }
}
