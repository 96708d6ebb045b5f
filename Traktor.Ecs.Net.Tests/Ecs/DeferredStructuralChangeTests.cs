namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Structural changes inside a query are recorded and applied when the outermost query ends: creates
/// get their final handle at once, destroys end handles at once, adds and removes show afterwards.
/// </summary>
public class DeferredStructuralChangeTests
{
    private static readonly QueryDescription WithHealth = new QueryDescription().WithAll<Health>();

    [Fact]
    public void Destroying_every_entity_but_one_inside_a_query_visits_each_once_and_frees_them_at_the_end()
    {
        using var world = World.Create();
        var all = Enumerable.Range(0, 1_000).Select(i => world.Create(new Health(i, i))).ToList();
        var visited = new HashSet<Entity>();
        int counter = 0;
        world.Query(in WithHealth, (Entity e, ref Health h) =>
        {
            Assert.True(visited.Add(e));
            Assert.Equal(all[h.Value], e); // nothing moved under the iterator
            if (counter++ < all.Count - 1)
            {
                world.Destroy(e);
                Assert.False(world.IsAlive(e));
                Assert.Throws<EntityNotAliveException>(() => world.Get<Health>(e));
                Assert.Throws<EntityNotAliveException>(() => world.Destroy(e));
            }

            Assert.Equal(all.Count - Math.Min(counter, all.Count - 1), world.Size);
        });

        Assert.Equal(all.Count, visited.Count);
        Assert.Equal(1, world.Size);
        Assert.Equal(1, world.CountEntities(in WithHealth));
        Assert.Equal(all[^1], all.Single(world.IsAlive));
        Assert.Equal(new Health(all.Count - 1, all.Count - 1), world.Get<Health>(all[^1]));

        // The freed ids are recycled with a new version; the old handles stay dead.
        var next = world.Create(new Health(5, 5));
        Assert.Contains(all, e => e.Id == next.Id);
        Assert.DoesNotContain(next, all);
    }

    [Fact]
    public void An_entity_created_inside_a_query_is_pending_until_the_query_ends()
    {
        using var world = World.Create();
        var spawner = world.Create(new Health(1, 1));
        Entity child = default;
        int visits = 0;
        world.Query(in WithHealth, (Entity e, ref Health _) =>
        {
            visits++;
            child = world.Create(new Health(2, 2), new Position(3, 4));
            Assert.True(world.IsAlive(child));
            Assert.True(child.IsAlive());
            Assert.Equal(2, world.Size);
            Assert.Throws<EntityPendingException>(() => world.Get<Health>(child));
            var pending = Assert.Throws<EntityPendingException>(() => world.Has<Position>(child));
            Assert.Contains(child.ToString(), pending.Message);
            Assert.False(world.TryGet<Health>(child, out _));

            // Writes and structural changes to it are recorded in order.
            world.Set(child, new Health(20, 20));
            world.Add(child, new Mass(9));
            world.Remove<Position>(child);
            child.Add(new Team(4));
        });

        Assert.Equal(1, visits); // the running query did not reach the new entity
        Assert.True(world.IsAlive(child));
        Assert.Equal(new Health(20, 20), world.Get<Health>(child));
        Assert.Equal(new Mass(9), world.Get<Mass>(child));
        Assert.Equal(new Team(4), world.Get<Team>(child));
        Assert.False(world.Has<Position>(child));
        Assert.Equal(2, world.CountEntities(in WithHealth));
        Assert.NotEqual(spawner, child);
    }

    [Fact]
    public void Add_and_remove_inside_a_query_show_when_the_outermost_query_ends()
    {
        using var world = World.Create();
        var a = world.Create(new Health(1, 1));
        var b = world.Create(new Health(2, 2), new Mass(2));
        world.Query(in WithHealth, (Entity e, ref Health h) =>
        {
            if (e == a)
            {
                world.Add(a, new Mass(1));
                world.Add<Team, Position>(a, new Team(1), new Position(1, 1));
                Assert.False(world.Has<Mass>(a));
                world.Set(a, new Health(10, 10)); // not structural: at once
                Assert.Equal(new Health(10, 10), h);
            }
            else
            {
                world.Remove<Mass>(b);
                world.RemoveRange(b, typeof(Health));
                Assert.True(world.Has<Mass>(b));
            }
        });

        Assert.Equal(new Mass(1), world.Get<Mass>(a));
        Assert.Equal(new Team(1), world.Get<Team>(a));
        Assert.Equal(new Health(10, 10), world.Get<Health>(a));
        Assert.False(world.Has<Mass>(b));
        Assert.False(world.Has<Health>(b));
        Assert.True(world.IsAlive(b));
    }

    [Fact]
    public void An_entity_created_and_destroyed_in_one_query_leaves_nothing()
    {
        using var world = World.Create();
        world.Create(new Health(1, 1));
        Entity temp = default;
        world.Query(in WithHealth, (Entity _) =>
        {
            temp = world.Create(new Mass(1));
            world.Add(temp, new Team(1));
            world.Destroy(temp);
            Assert.False(world.IsAlive(temp));
            Assert.Throws<EntityNotAliveException>(() => world.Add(temp, new Position()));
        });

        Assert.False(world.IsAlive(temp));
        Assert.Equal(1, world.Size);
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Mass>()));
        Assert.Equal(temp.Id, world.Create().Id); // its id went back to the free list
    }

    [Fact]
    public void An_invalid_deferred_change_throws_when_the_query_ends_after_the_others_are_applied()
    {
        using var world = World.Create();
        var a = world.Create(new Health(1, 1));
        var ex = Assert.Throws<DuplicateComponentException>(() => world.Query(in WithHealth, (Entity e) =>
        {
            world.Add(e, new Mass(1));
            world.Add(e, new Mass(2)); // a duplicate only once the first add is applied
            world.Create(new Team(3));
        }));

        Assert.Contains(nameof(Mass), ex.Message);
        Assert.False(world.IsIterating);
        Assert.Equal(new Mass(1), world.Get<Mass>(a));
        Assert.Equal(1, world.CountEntities(new QueryDescription().WithAll<Team>()));
        Assert.Equal(2, world.Size);
    }

    private struct Spawner : IForEachWithEntity<Health>
    {
        public World World;
        public List<Entity> Spawned;

        public void Update(Entity entity, ref Health h)
        {
            Spawned.Add(World.Create(new Position(h.Value, 0)));
            World.Remove<Health>(entity);
        }
    }

    [Fact]
    public void Inline_queries_and_chunk_loops_defer_too()
    {
        using var world = World.Create();
        var e = world.Create(new Health(1, 1));
        var spawner = new Spawner { World = world, Spawned = [] };
        world.InlineEntityQuery<Spawner, Health>(in WithHealth, ref spawner);
        Assert.False(world.Has<Health>(e));
        Assert.Equal(new Position(1, 0), world.Get<Position>(spawner.Spawned.Single()));

        world.Add(e, new Health(2, 2));
        foreach (ref var chunk in world.Query(in WithHealth))
        {
            world.Add(chunk.Entities[0], new Team(1));
            Assert.False(world.Has<Team>(e));
        }

        Assert.True(world.Has<Team>(e));
        Assert.False(world.IsIterating);
    }

    [Fact]
    public void Deferred_changes_on_another_worlds_handle_are_refused_at_once()
    {
        using var world = World.Create();
        using var other = World.Create();
        var foreign = other.Create(new Health(1, 1));
        world.Create(new Health(1, 1));
        world.Query(in WithHealth, (Entity _) =>
        {
            Assert.Throws<WrongWorldException>(() => world.Destroy(foreign));
            Assert.Throws<WrongWorldException>(() => world.Add(foreign, new Mass(1)));
            Assert.Throws<WrongWorldException>(() => world.Remove<Health>(foreign));
        });

        Assert.True(other.IsAlive(foreign));
        Assert.False(other.Has<Mass>(foreign));
    }
}
