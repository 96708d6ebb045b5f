namespace Traktor.Ecs.Net.Tests.Ecs;

public class CommandBufferTests
{
    [Fact]
    public void Add_then_set_then_remove_play_back_in_recorded_order()
    {
        using var world = World.Create();
        var a = world.Create(new Position(1, 1));
        var b = world.Create(new Position(2, 2));
        var buffer = new CommandBuffer();

        buffer.Add(a, new Health(1, 1));
        buffer.Set(a, new Health(2, 2));
        buffer.Remove<Health>(a);

        buffer.Add(b, new Health(1, 1));
        buffer.Set(b, new Health(3, 3));
        buffer.Set(b, new Position(9, 9));
        buffer.Remove<Position>(b);
        buffer.Add(b, new Position(7, 7));
        Assert.Equal(8, buffer.Size);

        // Nothing happens before playback.
        Assert.False(world.Has<Health>(a));
        Assert.False(world.Has<Health>(b));

        buffer.Playback(world);
        Assert.Equal(0, buffer.Size);
        Assert.False(world.Has<Health>(a));
        Assert.Equal(new Position(1, 1), world.Get<Position>(a));
        Assert.Equal(new Health(3, 3), world.Get<Health>(b));
        Assert.Equal(new Position(7, 7), world.Get<Position>(b));
    }

    [Fact]
    public void Create_and_add_on_placeholders_make_real_entities()
    {
        using var world = World.Create();
        world.Create(new Mass(0));
        var buffer = new CommandBuffer();
        var p1 = buffer.Create();
        var p2 = buffer.Create();
        buffer.Add(p1, new Label("one", 1));
        buffer.Add(p1, new Position(1, 1));
        buffer.Add(p2, new Label("two", 2));
        buffer.Set(p2, new Label("two!", 2));
        Assert.False(world.IsAlive(p1));
        Assert.Equal(1, world.Size);

        buffer.Playback(world);

        Assert.Equal(3, world.Size);
        var created = new List<(Entity, Label)>();
        world.Query(new QueryDescription().WithAll<Label>(), (Entity e, ref Label l) => created.Add((e, l)));
        Assert.Equal(2, created.Count);
        var one = created.Single(c => c.Item2.Text == "one").Item1;
        var two = created.Single(c => c.Item2.Text == "two!").Item1;
        Assert.Equal(new Position(1, 1), world.Get<Position>(one));
        Assert.False(world.Has<Position>(two));
        Assert.NotEqual(one, two);
    }

    [Fact]
    public void Destroy_is_applied_and_later_commands_on_the_dead_entity_fail_loudly()
    {
        using var world = World.Create();
        var a = world.Create(new Health(1, 1));
        var b = world.Create(new Health(2, 2));
        var buffer = new CommandBuffer();
        buffer.Destroy(a);
        buffer.Set(b, new Health(5, 5));
        buffer.Playback(world);

        Assert.False(world.IsAlive(a));
        Assert.Equal(new Health(5, 5), world.Get<Health>(b));

        buffer.Destroy(b);
        buffer.Add(b, new Mass(1));
        var ex = Assert.Throws<EntityNotAliveException>(() => buffer.Playback(world));
        Assert.Equal(b, ex.Entity);
        Assert.False(world.IsAlive(b));
        Assert.Equal(0, buffer.Size); // cleared even though playback failed
    }

    [Fact]
    public void Placeholder_created_and_destroyed_in_one_buffer_leaves_nothing()
    {
        using var world = World.Create();
        var buffer = new CommandBuffer();
        var p = buffer.Create();
        buffer.Add(p, new Health(1, 1));
        buffer.Destroy(p);
        buffer.Playback(world);

        Assert.Equal(0, world.Size);
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Health>()));
    }

    [Fact]
    public void Structural_changes_recorded_during_a_query_are_applied_after_it()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 500).Select(i => world.Create(new Health(i % 4, 3), new Position(i, 0))).ToList();
        var buffer = new CommandBuffer();
        var desc = new QueryDescription().WithAll<Health, Position>();
        int visited = 0;

        world.Query(in desc, (Entity e, ref Health h, ref Position p) =>
        {
            visited++;
            if (h.Value == 0)
            {
                buffer.Destroy(e);
            }
            else if (h.Value == 1)
            {
                buffer.Add(e, new Velocity(p.X, 1));
            }
            else if (h.Value == 2)
            {
                buffer.Remove<Position>(e);
                var child = buffer.Create();
                buffer.Add(child, new Label("child of " + e.Id, e.Id));
            }
        });

        Assert.Equal(500, visited); // the query saw every entity: nothing moved under it
        Assert.Equal(500, world.Size);
        buffer.Playback(world);

        Assert.Equal(500 - 125 + 125, world.Size);
        for (int i = 0; i < entities.Count; i++)
        {
            var e = entities[i];
            switch (i % 4)
            {
                case 0:
                    Assert.False(world.IsAlive(e));
                    break;
                case 1:
                    Assert.Equal(new Velocity(i, 1), world.Get<Velocity>(e));
                    Assert.Equal(new Position(i, 0), world.Get<Position>(e));
                    break;
                case 2:
                    Assert.False(world.Has<Position>(e));
                    Assert.Equal(new Health(2, 3), world.Get<Health>(e));
                    break;
                default:
                    Assert.Equal(new Position(i, 0), world.Get<Position>(e));
                    Assert.False(world.Has<Velocity>(e));
                    break;
            }
        }

        var children = new List<Label>();
        world.Query(new QueryDescription().WithAll<Label>(), (ref Label l) => children.Add(l));
        Assert.Equal(125, children.Count);
        Assert.All(children, l => Assert.Equal("child of " + l.Priority, l.Text));
    }

    [Fact]
    public void Recording_during_chunk_iteration_works_too()
    {
        using var world = World.Create();
        for (int i = 0; i < 100; i++)
        {
            world.Create(new Mass(i));
        }

        var buffer = new CommandBuffer();
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<Mass>()))
        {
            var masses = chunk.GetReadOnlySpan<Mass>();
            for (int i = 0; i < chunk.Count; i++)
            {
                if (masses[i].Value >= 50)
                {
                    buffer.Add(chunk.Entities[i], new Team(1));
                }
            }
        }

        buffer.Playback(world);
        Assert.Equal(50, world.CountEntities(new QueryDescription().WithAll<Mass, Team>()));
    }

    [Fact]
    public void Playback_while_the_world_iterates_is_deferred_to_the_end_of_the_query()
    {
        using var world = World.Create();
        var e = world.Create(new Mass(1));
        var buffer = new CommandBuffer();
        buffer.Add(e, new Team(2));
        var made = buffer.Create();
        buffer.Add(made, new Mass(3));
        int visited = 0;
        world.Query(new QueryDescription().WithAll<Mass>(), (ref Mass _) =>
        {
            visited++;
            if (visited == 1)
            {
                buffer.Playback(world);
                Assert.False(world.Has<Team>(e));
            }
        });
        Assert.Equal(1, visited); // the entity the buffer created was not visited by the running query
        Assert.Equal(new Team(2), world.Get<Team>(e));
        Assert.Equal(2, world.CountEntities(new QueryDescription().WithAll<Mass>()));
    }

    [Fact]
    public void Clear_discards_commands_and_a_buffer_is_reusable()
    {
        using var world = World.Create();
        var e = world.Create(new Mass(1));
        var buffer = new CommandBuffer();
        buffer.Add(e, new Team(1));
        buffer.Create();
        buffer.Clear();
        buffer.Playback(world);
        Assert.False(world.Has<Team>(e));
        Assert.Equal(1, world.Size);

        for (int round = 0; round < 3; round++)
        {
            var p = buffer.Create();
            buffer.Add(p, new Team((byte)round));
            buffer.Playback(world);
        }

        Assert.Equal(4, world.Size);
        Assert.Equal(3, world.CountEntities(new QueryDescription().WithAll<Team>()));
    }

    [Fact]
    public void Placeholder_from_an_earlier_playback_is_rejected()
    {
        using var world = World.Create();
        var buffer = new CommandBuffer();
        var old = buffer.Create();
        buffer.Playback(world);

        var fresh = buffer.Create();
        buffer.Add(old, new Team(1)); // 'old' is not 'fresh', even though both were the buffer's first create
        Assert.Throws<EcsException>(() => buffer.Playback(world));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Team>()));
        Assert.NotEqual(old, fresh);
    }

    [Fact]
    public void Placeholder_from_another_buffer_is_rejected()
    {
        using var world = World.Create();
        var mine = new CommandBuffer();
        var theirs = new CommandBuffer();
        var foreign = theirs.Create();
        mine.Create();
        mine.Add(foreign, new Team(1));
        Assert.Throws<EcsException>(() => mine.Playback(world));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<Team>()));
    }
}
